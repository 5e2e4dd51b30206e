// layer_norm over the last dim, fused: the forward keeps each row's mean and 1/std, and the
// backward computes dx in one pass per row plus column sums for dweight and dbias.
// Its composite twin is layer_norm_reference.cpp; tests/autograd/test_layer_norm.cpp checks that the two agree.
// Read next: cross_entropy.cpp.
#include <cmath>
#include <memory>

#include "autograd/check.h"
#include "autograd/parallel.h"
#include "autograd/kernels/row_math.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {

constexpr int64_t kColumnBlock = 256;  // columns of dweight/dbias per backward task

// One row: y = (x - mean)·rstd·w + b; returns mean and rstd.
void forward_row(const float* __restrict x, const float* __restrict w, const float* __restrict b, int64_t d,
                 float eps, float* __restrict y, float& mean, float& rstd) {
  const float m = row_sum(x, d) / d;
  float ss = 0.0f;  // a second pass over centered values: no cancellation
#pragma omp simd reduction(+ : ss)
  for (int64_t j = 0; j < d; ++j) ss += (x[j] - m) * (x[j] - m);
  const float inv = 1.0f / std::sqrt(ss / d + eps);
  for (int64_t j = 0; j < d; ++j) y[j] = (x[j] - m) * inv * w[j] + b[j];
  mean = m;
  rstd = inv;
}

// One row of dx = rstd·(g - mean(g) - x̂·mean(g·x̂)) with g = dy·w.
void backward_row(const float* __restrict dy, const float* __restrict x, const float* __restrict w, float m,
                  float inv, int64_t d, float* __restrict dx) {
  // lesson 7 begin: one row of dx, from the row's mean and rstd kept by the forward
  float sum_g = 0.0f, sum_gx = 0.0f;
#pragma omp simd reduction(+ : sum_g, sum_gx)
  for (int64_t j = 0; j < d; ++j) {
    sum_g += dy[j] * w[j];
    sum_gx += dy[j] * w[j] * (x[j] - m);
  }
  const float mean_g = sum_g / d, mean_gx = sum_gx * inv / d;
  for (int64_t j = 0; j < d; ++j) dx[j] = inv * (dy[j] * w[j] - mean_g - (x[j] - m) * inv * mean_gx);
  // lesson 7 end
}

// Columns [c0, c1) of dw += dy·x̂ and db += dy, over one row.
void accumulate_row(const float* __restrict dy, const float* __restrict x, float m, float inv, int64_t c0,
                    int64_t c1, float* __restrict dw, float* __restrict db) {
  // lesson 7 begin: one row's share of dweight and dbias, columns [c0, c1)
  for (int64_t j = c0; j < c1; ++j) {
    dw[j] += dy[j] * (x[j] - m) * inv;
    db[j] += dy[j];
  }
  // lesson 7 end
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  MT_PROFILE("layer_norm");
  MT_CHECK(x.dim() >= 1, "layer_norm: needs at least 1 dim, got shape ", x.shape());
  const int64_t d = x.size(-1), rows = d == 0 ? 0 : x.numel() / d;
  MT_CHECK(!weight.defined() || weight.shape() == Shape{d}, "layer_norm: weight ", weight.shape(),
           " does not match the last dim of ", x.shape());
  MT_CHECK(!bias.defined() || bias.shape() == Shape{d}, "layer_norm: bias ", bias.shape(),
           " does not match the last dim of ", x.shape());
  const Tensor xc = contiguous(x.detach());
  // Without weight or bias the scale is 1 and the shift 0: one loop serves both cases.
  const Tensor gamma = weight.defined() ? contiguous(weight.detach()) : ones({d});
  const Tensor beta = bias.defined() ? contiguous(bias.detach()) : zeros({d});
  Tensor out(x.shape());
  auto mean = std::make_shared<std::vector<float>>(rows);
  auto rstd = std::make_shared<std::vector<float>>(rows);  // 1 / sqrt(var + eps)
  {
    const float *in = xc.data(), *g = gamma.data(), *b = beta.data();
    float* y = out.data();
    parallel_for(rows, row_grain(d), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) forward_row(in + r * d, g, b, d, eps, y + r * d, (*mean)[r], (*rstd)[r]);
    });
  }

  // With x̂ = (x - mean)·rstd and g = dy·w:
  //   dx = rstd·(g - mean(g) - x̂·mean(g·x̂)),  dw = Σ_rows dy·x̂,  db = Σ_rows dy
  return record("layer_norm", out, {x, weight, bias},
                [x, weight, bias, xc, gamma, mean, rstd, d, rows](const Tensor& dy) {
    const float *g = dy.data(), *in = xc.data(), *w = gamma.data();
    const float *mu = mean->data(), *inv = rstd->data();
    Tensor dx, dw, db;
    if (x.requires_grad()) {
      dx = Tensor(x.shape());
      float* out = dx.data();
      parallel_for(rows, row_grain(d), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) backward_row(g + r * d, in + r * d, w, mu[r], inv[r], d, out + r * d);
      });
    }
    const bool need_w = weight.defined() && weight.requires_grad();
    const bool need_b = bias.defined() && bias.requires_grad();
    if (need_w || need_b) {
      Tensor dw_all = zeros({d}), db_all = zeros({d});
      float *pw = dw_all.data(), *pb = db_all.data();
      parallel_for((d + kColumnBlock - 1) / kColumnBlock, 1, [&](int64_t begin, int64_t end) {
        const int64_t c0 = begin * kColumnBlock, c1 = std::min(d, end * kColumnBlock);
        for (int64_t r = 0; r < rows; ++r) accumulate_row(g + r * d, in + r * d, mu[r], inv[r], c0, c1, pw, pb);
      });
      if (need_w) dw = dw_all;
      if (need_b) db = db_all;
    }
    return std::vector<Tensor>{dx, dw, db};
  });
}

}  // namespace mt
