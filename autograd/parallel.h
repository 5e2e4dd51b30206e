// The one place TBB is called. Row and element kernels split their index range with
// parallel_for; ranges below the grain run inline on the calling thread, because handing
// a few microseconds of work to another core costs more than it saves.
#pragma once

#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace mt {

/// Elements per task for cheap element-wise loops (about 10 µs of work).
constexpr int64_t kElementGrain = 32768;

/// Grain (in rows) so that one task handles about kElementGrain elements of `row_len` each.
inline int64_t row_grain(int64_t row_len) {
  return row_len >= kElementGrain ? 1 : kElementGrain / (row_len > 0 ? row_len : 1);
}

/// Runs fn(begin, end) over chunks of [0, n); chunks hold at least `grain` items.
template <typename Fn>
void parallel_for(int64_t n, int64_t grain, const Fn& fn) {
  if (n <= 0) return;
  if (n <= grain) {
    fn(int64_t{0}, n);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, n, grain),
                    [&fn](const tbb::blocked_range<int64_t>& r) { fn(r.begin(), r.end()); });
}

}  // namespace mt
