// Parameter initializers with PyTorch's distributions (not its random streams), drawn from the
// global generator (manual_seed). Read next: linear.h.
#pragma once

#include "autograd/tensor.h"

namespace mt::nn {

/// U(-bound, bound) with bound = 1/sqrt(fan_in): torch.nn.Linear's weight and bias init
/// (kaiming_uniform with a = sqrt(5) reduces to this).
Tensor linear_uniform(const Shape& shape, int64_t fan_in);
/// Xavier/Glorot uniform for a [fan_out, fan_in] matrix: U(±sqrt(6 / (fan_in + fan_out))).
Tensor xavier_uniform(const Shape& shape);

}  // namespace mt::nn
