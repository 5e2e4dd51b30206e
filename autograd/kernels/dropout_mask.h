// The keep/drop decisions of dropout, drawn from the counter-based generator (random.h): the
// decisions for n elements are a seed, a first counter and a threshold, so a backward pass can
// draw them again instead of keeping a mask. Used by ops/dropout.cpp and ops/attention.cpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "autograd/parallel.h"
#include "autograd/random.h"

namespace mt {

// out[k] = in[k]·keep where the draw for counter low + k (under key) is at least cut, else 0.
// A plain function over restrict pointers, so the loop vectorizes.
inline void apply_run(const float* __restrict in, float* __restrict out, int64_t n, uint32_t key, uint32_t low,
               uint32_t cut, float keep) {
  for (int64_t k = 0; k < n; ++k) {
    const uint32_t bits = random_bits32(key, low + static_cast<uint32_t>(k));
    out[k] = in[k] * (bits >= cut ? keep : 0.0f);
  }
}

// out[k] = residual[k] + in[k]·keep (or + 0), the same draws as apply_run: dropout and the
// residual sum that follows it in one pass.
inline void apply_add_run(const float* __restrict in, const float* __restrict residual, float* __restrict out,
                          int64_t n, uint32_t key, uint32_t low, uint32_t cut, float keep) {
  for (int64_t k = 0; k < n; ++k) {
    const uint32_t bits = random_bits32(key, low + static_cast<uint32_t>(k));
    out[k] = residual[k] + in[k] * (bits >= cut ? keep : 0.0f);
  }
}

// Element i is kept when the 32-bit draw for counter first + i is at least the threshold.
struct DropoutMask {
  /// Reserves the counters for n decisions with drop probability p (0 < p < 1).
  static DropoutMask draw(float p, int64_t n) {
    return {random_seed(), reserve_random(static_cast<uint64_t>(n)),
            static_cast<uint32_t>(std::min(4294967295.0, std::round(p * 4294967296.0))), 1.0f / (1.0f - p)};
  }

  uint64_t seed, first;  // the generator's seed and the block's first counter
  uint32_t threshold;    // p·2^32: a draw below it drops its element
  float scale;           // 1 / (1 - p)

  // out[i] = in[i]·scale or 0 for i in [0, n), on all cores.
  void apply(const float* in, float* out, int64_t n) const {
    parallel_for(n, kElementGrain,
                 [&](int64_t begin, int64_t end) { apply_part(in + begin, out + begin, begin, end - begin); });
  }

  // out[i] = residual[i] + (in[i]·scale or 0) for i in [0, n), on all cores.
  void apply_add(const float* in, const float* residual, float* out, int64_t n) const {
    parallel_for(n, kElementGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end;) {
        const uint64_t counter = first + static_cast<uint64_t>(i);
        const uint32_t low = static_cast<uint32_t>(counter);
        const int64_t run_end = std::min<int64_t>(end, i + static_cast<int64_t>((uint64_t{1} << 32) - low));
        apply_add_run(in + i, residual + i, out + i, run_end - i, random_key32(seed, counter >> 32), low, threshold,
                      scale);
        i = run_end;
      }
    });
  }

  // The same for the n elements from element `begin` on, on the calling thread: in and out
  // point at that element (they must not overlap).
  void apply_part(const float* in, float* out, int64_t begin, int64_t n) const {
    for (int64_t i = 0; i < n;) {  // runs of counters that share their upper 32 bits share a key
      const uint64_t counter = first + static_cast<uint64_t>(begin + i);
      const uint32_t low = static_cast<uint32_t>(counter);
      const int64_t run_end = std::min<int64_t>(n, i + static_cast<int64_t>((uint64_t{1} << 32) - low));
      apply_run(in + i, out + i, run_end - i, random_key32(seed, counter >> 32), low, threshold, scale);
      i = run_end;
    }
  }
};


}  // namespace mt
