// Dropout: active in training mode, the identity after eval(). Read next: multi_head_attention.h.
#pragma once

#include "nn/module.h"

namespace mt::nn {

class Dropout : public Module {
 public:
  explicit Dropout(float p);
  Tensor forward(const Tensor& x) const;
  /// residual + forward(x), fused (residual_dropout): a layer's residual connection.
  Tensor add_to(const Tensor& residual, const Tensor& x) const;

  const float p;

 protected:
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;
};

}  // namespace mt::nn
