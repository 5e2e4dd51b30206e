// gather_rows and scatter_rows: moving whole rows between a padded batch and a packed one.
// A batch of sentences padded to [B, L] rows holds about a quarter padding; the layers that act
// on each position alone (projections, feed-forward, norms) need only the real rows, packed as
// [N, D]. gather_rows packs, scatter_rows puts rows back (zeros where padding was). Rows are
// distinct, so each op is the other's backward. Read next: dropout.cpp.
#include <algorithm>
#include <cstring>
#include <vector>

#include "autograd/check.h"
#include "autograd/parallel.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {

// Every row index in [0, total) and none twice: then gather and scatter are exact inverses.
void check_rows(const char* op, const IntTensor& rows, int64_t total) {
  MT_CHECK(rows.shape.size() == 1, op, ": rows must be [N], got ", rows.shape);
  std::vector<bool> seen(static_cast<size_t>(total), false);
  for (int64_t i = 0; i < rows.numel(); ++i) {
    const int32_t r = rows.values[i];
    MT_CHECK(r >= 0 && r < total, op, ": row ", r, " at position ", i, " is outside [0, ", total, ")");
    MT_CHECK(!seen[r], op, ": row ", r, " appears twice");
    seen[r] = true;
  }
}

// out[to(i)] = in[from(i)] for i in [0, n), rows of `width` floats.
template <typename To, typename From>
void copy_rows(const float* in, float* out, int64_t n, int64_t width, const To& to, const From& from) {
  parallel_for(n, row_grain(width), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) std::memcpy(out + to(i) * width, in + from(i) * width, width * sizeof(float));
  });
}

Tensor gather(const Tensor& x, const IntTensor& rows) {  // x contiguous [M, D] -> [N, D]
  Tensor out({rows.numel(), x.size(1)});
  copy_rows(x.data(), out.data(), rows.numel(), x.size(1), [](int64_t i) { return i; },
            [&](int64_t i) { return int64_t{rows.values[i]}; });
  return out;
}

Tensor scatter(const Tensor& x, const IntTensor& rows, int64_t total) {  // x contiguous [N, D] -> [M, D]
  const int64_t width = x.size(1);
  Tensor out({total, width});
  std::vector<int32_t> empty;  // the rows no input row lands in: zeroed, the rest written once
  std::vector<bool> taken(static_cast<size_t>(total), false);
  for (int32_t r : rows.values) taken[r] = true;
  for (int64_t r = 0; r < total; ++r)
    if (!taken[r]) empty.push_back(static_cast<int32_t>(r));
  parallel_for(static_cast<int64_t>(empty.size()), row_grain(width), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) std::fill_n(out.data() + empty[i] * width, width, 0.0f);
  });
  copy_rows(x.data(), out.data(), rows.numel(), width, [&](int64_t i) { return int64_t{rows.values[i]}; },
            [](int64_t i) { return i; });
  return out;
}

}  // namespace

Tensor gather_rows(const Tensor& x, const IntTensor& rows) {
  MT_PROFILE("gather_rows");
  MT_CHECK(x.dim() == 2, "gather_rows: x must be [M, D], got ", x.shape());
  check_rows("gather_rows", rows, x.size(0));
  const int64_t total = x.size(0);
  // dx = dy's rows put back where they came from, zeros elsewhere
  return record("gather_rows", gather(contiguous(x.detach()), rows), {x}, [rows, total](const Tensor& dy) {
    return std::vector<Tensor>{scatter(contiguous(dy), rows, total)};
  });
}

Tensor scatter_rows(const Tensor& x, const IntTensor& rows, int64_t total) {
  MT_PROFILE("scatter_rows");
  MT_CHECK(x.dim() == 2 && x.size(0) == rows.numel(), "scatter_rows: x ", x.shape(), " must be [N, D] for ",
           rows.numel(), " rows");
  check_rows("scatter_rows", rows, total);
  // dx = the rows of dy that x was put in
  return record("scatter_rows", scatter(contiguous(x.detach()), rows, total), {x}, [rows](const Tensor& dy) {
    return std::vector<Tensor>{gather(contiguous(dy), rows)};
  });
}

}  // namespace mt
