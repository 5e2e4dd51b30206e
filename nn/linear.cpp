// Linear; see linear.h.
#include "nn/linear.h"

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/init.h"

namespace mt::nn {

Linear::Linear(int64_t in, int64_t out, bool has_bias) : in_features(in), out_features(out) {
  MT_CHECK(in > 0 && out > 0, "Linear: sizes must be positive, got in=", in, " out=", out);
  // lesson 4 begin: the weight [out, in] and the bias [out], registered, drawn as PyTorch does
  weight = register_parameter("weight", linear_uniform({out, in}, in));
  if (has_bias) bias = register_parameter("bias", linear_uniform({out}, in));
  // lesson 4 end
}

Tensor Linear::forward(const Tensor& x) const {
  MT_CHECK(x.dim() >= 1 && x.size(-1) == in_features, "Linear: input ", x.shape(), " does not end in ", in_features);
  // lesson 4 begin: the forward, x·Wᵀ + b
  return linear(x, weight, bias);  // [..., out]
  // lesson 4 end
}

std::string Linear::extra_repr() const {
  return str("in=", in_features, ", out=", out_features, bias.defined() ? "" : ", bias=false");
}

}  // namespace mt::nn
