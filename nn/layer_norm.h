// LayerNorm over the last dim with a learned scale (ones) and shift (zeros); eps 1e-5 as in
// PyTorch. The fused kernel is autograd/ops/layer_norm.cpp. Read next: dropout.h.
#pragma once

#include "nn/module.h"

namespace mt::nn {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t dim, float eps = 1e-5f);
  /// x: [..., D] -> [..., D]
  Tensor forward(const Tensor& x) const;

  const int64_t dim;
  const float eps;
  Tensor weight, bias;  // [D]

 protected:
  std::string type_name() const override { return "LayerNorm"; }
  std::string extra_repr() const override;
};

}  // namespace mt::nn
