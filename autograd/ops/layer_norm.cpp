// layer_norm over the last dim, fused: the forward keeps each row's mean and 1/std, and the
// backward computes dx in one pass per row plus column sums for dweight and dbias.
// Its composite twin (mean, sub, mul, sqrt) is checked against it in the tests.
// Read next: cross_entropy.cpp.
#include <cmath>
#include <memory>

#include "autograd/check.h"
#include "autograd/kernels/parallel.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace mt {
namespace {
constexpr int64_t kColumnBlock = 256;
}

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  MT_CHECK(x.dim() >= 1, "layer_norm: needs at least 1 dim, got shape ", x.shape());
  const int64_t d = x.size(-1), rows = x.numel() / std::max<int64_t>(d, 1);
  MT_CHECK(!weight.defined() || weight.shape() == Shape{d}, "layer_norm: weight ", weight.shape(),
           " does not match the last dim of ", x.shape());
  MT_CHECK(!bias.defined() || bias.shape() == Shape{d}, "layer_norm: bias ", bias.shape(),
           " does not match the last dim of ", x.shape());
  const Tensor xc = contiguous(x.detach());
  const Tensor w = weight.defined() ? contiguous(weight.detach()) : Tensor();
  const Tensor b = bias.defined() ? contiguous(bias.detach()) : Tensor();
  Tensor out(x.shape());
  auto mean = std::make_shared<std::vector<float>>(rows);
  auto rstd = std::make_shared<std::vector<float>>(rows);  // 1 / sqrt(var + eps)
  const float* in = xc.data();
  float* y = out.data();
  parallel_for(rows, row_grain(d), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* row = in + r * d;
      double s = 0.0, ss = 0.0;
      for (int64_t j = 0; j < d; ++j) s += row[j];
      const double mu = s / d;
      for (int64_t j = 0; j < d; ++j) ss += (row[j] - mu) * (row[j] - mu);
      const float m = static_cast<float>(mu), inv = static_cast<float>(1.0 / std::sqrt(ss / d + eps));
      (*mean)[r] = m;
      (*rstd)[r] = inv;
      float* o = y + r * d;
      for (int64_t j = 0; j < d; ++j) {
        const float xhat = (row[j] - m) * inv;
        o[j] = xhat * (w.defined() ? w.data()[j] : 1.0f) + (b.defined() ? b.data()[j] : 0.0f);
      }
    }
  });

  // With x̂ = (x - mean)·rstd and g = dy·w:
  //   dx = rstd·(g - mean(g) - x̂·mean(g·x̂)),  dw = Σ_rows dy·x̂,  db = Σ_rows dy
  return record("layer_norm", out, {x, weight, bias}, [x, weight, bias, xc, w, mean, rstd, d, rows](const Tensor& dy) {
    const float* g = dy.data();
    const float* in = xc.data();
    Tensor dx, dw, db;
    if (x.requires_grad()) {
      dx = Tensor(x.shape());
      float* out = dx.data();
      parallel_for(rows, row_grain(d), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const float *grow = g + r * d, *row = in + r * d;
          const float m = (*mean)[r], inv = (*rstd)[r];
          float sum_g = 0.0f, sum_gx = 0.0f;
          for (int64_t j = 0; j < d; ++j) {
            const float gj = grow[j] * (w.defined() ? w.data()[j] : 1.0f);
            sum_g += gj;
            sum_gx += gj * (row[j] - m) * inv;
          }
          const float mean_g = sum_g / d, mean_gx = sum_gx / d;
          for (int64_t j = 0; j < d; ++j) {
            const float gj = grow[j] * (w.defined() ? w.data()[j] : 1.0f);
            out[r * d + j] = inv * (gj - mean_g - (row[j] - m) * inv * mean_gx);
          }
        }
      });
    }
    const bool need_w = weight.defined() && weight.requires_grad();
    const bool need_b = bias.defined() && bias.requires_grad();
    if (need_w || need_b) {
      if (need_w) dw = zeros({d});
      if (need_b) db = zeros({d});
      const int64_t blocks = (d + kColumnBlock - 1) / kColumnBlock;
      parallel_for(blocks, 1, [&](int64_t begin, int64_t end) {
        const int64_t c0 = begin * kColumnBlock, c1 = std::min(d, end * kColumnBlock);
        for (int64_t r = 0; r < rows; ++r) {
          const float *grow = g + r * d, *row = in + r * d;
          const float m = (*mean)[r], inv = (*rstd)[r];
          for (int64_t j = c0; j < c1; ++j) {
            if (need_w) dw.data()[j] += grow[j] * (row[j] - m) * inv;
            if (need_b) db.data()[j] += grow[j];
          }
        }
      });
    }
    return std::vector<Tensor>{dx, dw, db};
  });
}

}  // namespace mt
