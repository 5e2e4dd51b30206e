// Initializers; see init.h.
#include "nn/init.h"

#include <cmath>

#include "autograd/check.h"

namespace mt::nn {

Tensor linear_uniform(const Shape& shape, int64_t fan_in) {
  const float bound = fan_in > 0 ? 1.0f / std::sqrt(static_cast<float>(fan_in)) : 0.0f;
  return uniform(shape, -bound, bound);
}

Tensor xavier_uniform(const Shape& shape) {
  MT_CHECK(shape.size() >= 2, "xavier_uniform: needs at least 2 dims, got ", shape);
  // As torch.nn.init: fan_in = size(1)·receptive field, fan_out = size(0)·receptive field.
  int64_t receptive = 1;
  for (size_t i = 2; i < shape.size(); ++i) receptive *= shape[i];
  const float fan_in = static_cast<float>(shape[1] * receptive), fan_out = static_cast<float>(shape[0] * receptive);
  const float bound = std::sqrt(6.0f / (fan_in + fan_out));
  return uniform(shape, -bound, bound);
}

}  // namespace mt::nn
