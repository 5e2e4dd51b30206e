// cross_entropy: fused log-softmax + negative log-likelihood over logits [N, V], averaged over
// the targets that are not ignore_index, with PyTorch's label smoothing:
//   loss_i = (1-ε)·(lse_i - x_i[t_i]) + ε·(lse_i - mean_v x_i[v]),  lse_i = log Σ_v exp(x_i[v]).
// Fusing it never materializes the [N, V] log-probabilities; its composed twin
// (softmax_reference.cpp) does. Read next: ../gradcheck.h.
#include <cmath>
#include <memory>

#include "autograd/check.h"
#include "autograd/parallel.h"
#include "autograd/kernels/row_math.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {

Tensor cross_entropy(const Tensor& logits, const IntTensor& targets, int64_t ignore_index, float label_smoothing,
                     int64_t* counted, int64_t divisor) {
  MT_PROFILE("cross_entropy");
  MT_CHECK(logits.dim() == 2, "cross_entropy: logits must be [N, V], got ", logits.shape());
  const int64_t n = logits.size(0), v = logits.size(1);
  MT_CHECK(targets.shape == Shape{n}, "cross_entropy: targets ", targets.shape, " do not match logits ",
           logits.shape());
  MT_CHECK(label_smoothing >= 0.0f && label_smoothing <= 1.0f, "cross_entropy: label_smoothing must be in [0, 1], got ",
           label_smoothing);
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t t = targets.values[i];
    if (t == ignore_index) continue;
    MT_CHECK(t >= 0 && t < v, "cross_entropy: target ", t, " in row ", i, " is out of range for ", v, " classes");
    ++count;
  }
  if (counted) *counted = count;
  MT_CHECK(divisor >= 0, "cross_entropy: divisor must be >= 0, got ", divisor);
  const int64_t denominator = divisor > 0 ? divisor : count;

  const Tensor x = contiguous(logits.detach());
  const float eps = label_smoothing;
  auto lse = std::make_shared<std::vector<float>>(n);
  std::vector<double> row_loss(n, 0.0);
  parallel_for(n, row_grain(v), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      if (targets.values[i] == ignore_index) continue;
      const float* row = x.data() + i * v;
      const float m = row_max(row, v);
      const double l = m + std::log(static_cast<double>(row_sum_exp(row, m, v)));
      (*lse)[i] = static_cast<float>(l);
      row_loss[i] = (1.0 - eps) * (l - row[targets.values[i]]) + eps * (l - static_cast<double>(row_sum(row, v)) / v);
    }
  });
  double loss = 0.0;
  for (double l : row_loss) loss += l;  // in row order: the same result on any thread count
  Tensor out = full({}, count > 0 ? static_cast<float>(loss / denominator) : 0.0f);

  // dx_i = dy/denominator · (softmax(x_i) - (1-ε)·onehot(t_i) - ε/V) for kept rows, 0 for ignored
  return record("cross_entropy", out, {logits}, [x, targets, lse, ignore_index, eps, count, denominator, n, v](const Tensor& dy) {
    Tensor dx = zeros({n, v});
    if (count == 0) return std::vector<Tensor>{dx};
    const float scale = dy.item() / static_cast<float>(denominator);
    const float smooth = eps / static_cast<float>(v);
    parallel_for(n, row_grain(v), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int32_t t = targets.values[i];
        if (t == ignore_index) continue;
        const float *row = x.data() + i * v;
        float* out = dx.data() + i * v;
        const float l = (*lse)[i];
#pragma omp simd
        for (int64_t j = 0; j < v; ++j) out[j] = scale * (fast_exp(row[j] - l) - smooth);
        out[t] -= scale * (1.0f - eps);
      }
    });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace mt
