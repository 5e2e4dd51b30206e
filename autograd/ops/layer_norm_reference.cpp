// layer_norm_reference: layer_norm.cpp's op written with ordinary ops (mean, sub, mul, sqrt,
// div), the definition the fused kernel is tested against, values and gradients. Its gradient
// is what the engine derives from those ops; layer_norm.cpp derives it by hand, in one pass per
// row: read the two side by side.
#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt {

Tensor layer_norm_reference(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  MT_CHECK(x.dim() >= 1, "layer_norm_reference: needs at least 1 dim, got shape ", x.shape());
  const int64_t d = x.size(-1);
  MT_CHECK(!weight.defined() || weight.shape() == Shape{d}, "layer_norm_reference: weight ", weight.shape(),
           " does not match the last dim of ", x.shape());
  MT_CHECK(!bias.defined() || bias.shape() == Shape{d}, "layer_norm_reference: bias ", bias.shape(),
           " does not match the last dim of ", x.shape());
  // lesson 7 begin: each row centred and scaled to unit variance, then scaled by weight and shifted by bias
  const Tensor centered = x - mean(x, {-1}, true);
  const Tensor variance = mean(centered * centered, {-1}, true);  // biased: divided by D, as PyTorch does
  Tensor y = centered / sqrt(variance + eps);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
  // lesson 7 end
}

}  // namespace mt
