// Dropout; see dropout.h.
#include "nn/dropout.h"

#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt::nn {

Dropout::Dropout(float prob) : p(prob) {
  MT_CHECK(prob >= 0.0f && prob < 1.0f, "Dropout: probability must be in [0, 1), got ", prob);
}

Tensor Dropout::forward(const Tensor& x) const { return dropout(x, p, is_training()); }

Tensor Dropout::add_to(const Tensor& residual, const Tensor& x) const {
  return residual_dropout(residual, x, p, is_training());
}

std::string Dropout::extra_repr() const { return str("p=", p); }

}  // namespace mt::nn
