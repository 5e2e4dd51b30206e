// softmax_reference, log_softmax_reference and cross_entropy_reference: softmax.cpp's and
// cross_entropy.cpp's ops written with ordinary ops (max, exp, sum, log, mul), the definitions
// the fused kernels are tested against. No backward of their own: each op records its part.
// Slower than the fused ops (they materialize every intermediate, and the loss builds an
// [N, V] weight matrix). Read it beside softmax.cpp and cross_entropy.cpp.
#include <algorithm>

#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt {

Tensor softmax_reference(const Tensor& x) {
  MT_CHECK(x.dim() >= 1, "softmax_reference: needs at least 1 dim, got shape ", x.shape());
  // lesson 3 begin: softmax over the last dim, shifted by the row's max
  const Tensor shifted = x - max(x, -1, true).detach();  // exp() <= 1: no overflow
  const Tensor e = exp(shifted);
  return e / sum(e, {-1}, true);
  // lesson 3 end
}

Tensor log_softmax_reference(const Tensor& x) {
  MT_CHECK(x.dim() >= 1, "log_softmax_reference: needs at least 1 dim, got shape ", x.shape());
  // lesson 3 begin: log_softmax over the last dim, shifted by the row's max
  const Tensor shifted = x - max(x, -1, true).detach();
  return shifted - log(sum(exp(shifted), {-1}, true));
  // lesson 3 end
}

Tensor cross_entropy_reference(const Tensor& logits, const IntTensor& targets, int64_t ignore_index,
                               float label_smoothing) {
  MT_CHECK(logits.dim() == 2, "cross_entropy_reference: logits must be [N, V], got ", logits.shape());
  const int64_t n = logits.size(0), v = logits.size(1);
  MT_CHECK(targets.shape == Shape{n}, "cross_entropy_reference: targets ", targets.shape, " do not match logits ",
           logits.shape());
  for (int64_t i = 0; i < n; ++i)
    MT_CHECK(targets.values[i] == ignore_index || (targets.values[i] >= 0 && targets.values[i] < v),
             "cross_entropy_reference: target ", targets.values[i], " in row ", i, " is out of range for ", v,
             " classes");
  // lesson 3 begin: the weights of each row's log-probabilities (none for an ignored target), their mean
  // Row i's weights: ε/V on every class, plus 1-ε on its target; a row whose target is ignored
  // keeps zeros, so it adds nothing to the loss and gets no gradient.
  std::vector<float> weights(n * v, 0.0f);
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (targets.values[i] == ignore_index) continue;
    ++count;
    for (int64_t j = 0; j < v; ++j) weights[i * v + j] = label_smoothing / v;
    weights[i * v + targets.values[i]] += 1.0f - label_smoothing;
  }
  const Tensor total = neg(sum(log_softmax_reference(logits) * from_values(weights, {n, v})));
  return total / static_cast<float>(std::max<int64_t>(count, 1));  // every target ignored: 0
  // lesson 3 end
}

}  // namespace mt
