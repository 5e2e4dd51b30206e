// Dropout; see dropout.h.
#include "nn/dropout.h"

#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt::nn {

Dropout::Dropout(float prob) : p(prob) {
  MT_CHECK(prob >= 0.0f && prob < 1.0f, "Dropout: probability must be in [0, 1), got ", prob);
}

Tensor Dropout::forward(const Tensor& x) const { return dropout(x, p, is_training()); }

Dropped::operator Tensor() const { return dropout.forward(x); }

Tensor operator+(const Tensor& residual, const Dropped& d) {
  return residual_dropout(residual, d.x, d.dropout.p, d.dropout.is_training());
}

std::string Dropout::extra_repr() const { return str("p=", p); }

}  // namespace mt::nn
