// softmax and log_softmax over the last dim: one pass for the max, one for the sum of
// exponentials, one to write; rows run in parallel. Subtracting the row max keeps exp() in
// range (numerically stable). The composed twins are in softmax_reference.cpp.
// Read next: masked_fill.cpp, then layer_norm.cpp.
#include <cmath>
#include <limits>

#include "autograd/check.h"
#include "autograd/parallel.h"
#include "autograd/kernels/row_math.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {

// Calls fn(row_in, row_out, n) for each row of the last dim of contiguous tensors.
template <typename Fn>
void for_rows(const Tensor& in, const Tensor& out, const Fn& fn) {
  const int64_t n = in.dim() == 0 ? 1 : in.size(-1);
  const int64_t rows = n == 0 ? 0 : in.numel() / n;
  const float* x = in.data();
  float* y = out.data();
  parallel_for(rows, row_grain(n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) fn(x + r * n, y + r * n, n);
  });
}

}  // namespace

Tensor softmax(const Tensor& x) {
  MT_PROFILE("softmax");
  MT_CHECK(x.dim() >= 1, "softmax: needs at least 1 dim, got shape ", x.shape());
  const Tensor xc = contiguous(x.detach());
  Tensor out(x.shape());
  for_rows(xc, out, [](const float* in, float* y, int64_t n) {
    const float m = row_max(in, n);
    if (m == -std::numeric_limits<float>::infinity()) {  // every entry masked: no mass anywhere
      std::fill(y, y + n, 0.0f);
      return;
    }
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < n; ++j) s += (y[j] = fast_exp(in[j] - m));
    const float inv = 1.0f / s;
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] *= inv;
  });
  // dx = y·(dy - sum(dy·y)) per row
  return record("softmax", out, {x}, [y = out.detach()](const Tensor& dy) {
    Tensor dx(dy.shape());
    const int64_t n = y.size(-1);
    const float *g = dy.data(), *yp = y.data();
    for_rows(dy, dx, [&](const float* grow, float* dxrow, int64_t) {
      const float* yrow = yp + (grow - g);
      const float dot = row_dot(grow, yrow, n);
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) dxrow[j] = yrow[j] * (grow[j] - dot);
    });
    return std::vector<Tensor>{dx};
  });
}

Tensor log_softmax(const Tensor& x) {
  MT_PROFILE("log_softmax");
  MT_CHECK(x.dim() >= 1, "log_softmax: needs at least 1 dim, got shape ", x.shape());
  const Tensor xc = contiguous(x.detach());
  Tensor out(x.shape());
  for_rows(xc, out, [](const float* in, float* y, int64_t n) {
    const float m = row_max(in, n);
    const float shift = m + std::log(row_sum_exp(in, m, n));  // log Σ exp(x)
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] = in[j] - shift;
  });
  // dx = dy - softmax(x)·sum(dy) per row, with softmax(x) = exp(y)
  return record("log_softmax", out, {x}, [y = out.detach()](const Tensor& dy) {
    Tensor dx(dy.shape());
    const int64_t n = y.size(-1);
    const float *g = dy.data(), *yp = y.data();
    for_rows(dy, dx, [&](const float* grow, float* dxrow, int64_t) {
      const float* yrow = yp + (grow - g);
      const float total = row_sum(grow, n);
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) dxrow[j] = grow[j] - fast_exp(yrow[j]) * total;
    });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace mt
