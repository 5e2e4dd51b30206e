// softmax and log_softmax over the last dim: one pass for the max, one for the sum of
// exponentials, one to write; rows run in parallel. Subtracting the row max keeps exp() in
// range (numerically stable). Read next: masked_fill.cpp, then layer_norm.cpp.
#include <cmath>
#include <limits>

#include "autograd/check.h"
#include "autograd/kernels/parallel.h"
#include "autograd/node.h"
#include "autograd/ops.h"

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

// max of the row and log(sum(exp(x - max))).
void row_stats(const float* x, int64_t n, float& max_out, float& log_sum_out) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < n; ++j) m = std::max(m, x[j]);
  float s = 0.0f;
  for (int64_t j = 0; j < n; ++j) s += std::exp(x[j] - m);
  max_out = m;
  log_sum_out = std::log(s);
}

}  // namespace

Tensor softmax(const Tensor& x) {
  MT_CHECK(x.dim() >= 1, "softmax: needs at least 1 dim, got shape ", x.shape());
  const Tensor xc = contiguous(x.detach());
  Tensor out(x.shape());
  for_rows(xc, out, [](const float* in, float* y, int64_t n) {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n; ++j) m = std::max(m, in[j]);
    if (m == -std::numeric_limits<float>::infinity()) {  // every entry masked: no mass anywhere
      std::fill(y, y + n, 0.0f);
      return;
    }
    float s = 0.0f;
    for (int64_t j = 0; j < n; ++j) s += (y[j] = std::exp(in[j] - m));
    const float inv = 1.0f / s;
    for (int64_t j = 0; j < n; ++j) y[j] *= inv;
  });
  // dx = y·(dy - sum(dy·y)) per row
  return record("softmax", out, {x}, [y = out.detach()](const Tensor& dy) {
    Tensor dx(dy.shape());
    const int64_t n = y.size(-1);
    const float *g = dy.data(), *yp = y.data();
    for_rows(dy, dx, [&](const float* grow, float* dxrow, int64_t) {
      const float* yrow = yp + (grow - g);
      float dot = 0.0f;
      for (int64_t j = 0; j < n; ++j) dot += grow[j] * yrow[j];
      for (int64_t j = 0; j < n; ++j) dxrow[j] = yrow[j] * (grow[j] - dot);
    });
    return std::vector<Tensor>{dx};
  });
}

Tensor log_softmax(const Tensor& x) {
  MT_CHECK(x.dim() >= 1, "log_softmax: needs at least 1 dim, got shape ", x.shape());
  const Tensor xc = contiguous(x.detach());
  Tensor out(x.shape());
  for_rows(xc, out, [](const float* in, float* y, int64_t n) {
    float m, log_sum;
    row_stats(in, n, m, log_sum);
    for (int64_t j = 0; j < n; ++j) y[j] = in[j] - m - log_sum;
  });
  // dx = dy - softmax(x)·sum(dy) per row, with softmax(x) = exp(y)
  return record("log_softmax", out, {x}, [y = out.detach()](const Tensor& dy) {
    Tensor dx(dy.shape());
    const int64_t n = y.size(-1);
    const float *g = dy.data(), *yp = y.data();
    for_rows(dy, dx, [&](const float* grow, float* dxrow, int64_t) {
      const float* yrow = yp + (grow - g);
      float total = 0.0f;
      for (int64_t j = 0; j < n; ++j) total += grow[j];
      for (int64_t j = 0; j < n; ++j) dxrow[j] = grow[j] - std::exp(yrow[j]) * total;
    });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace mt
