// LayerNorm; see layer_norm.h.
#include "nn/layer_norm.h"

#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt::nn {

LayerNorm::LayerNorm(int64_t d, float e) : dim(d), eps(e) {
  MT_CHECK(d > 0, "LayerNorm: size must be positive, got ", d);
  weight = register_parameter("weight", ones({d}));
  bias = register_parameter("bias", zeros({d}));
}

Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm(x, weight, bias, eps); }

std::string LayerNorm::extra_repr() const { return str(dim, ", eps=", eps); }

}  // namespace mt::nn
