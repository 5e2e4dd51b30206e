// FeedForward: linear1 -> activation (ReLU, or GELU) -> dropout -> linear2, applied to every
// position alike. Read next: encoder_layer.h.
#pragma once

#include <memory>

#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/module.h"

namespace mt::nn {

enum class Activation { kRelu, kGelu };

class FeedForward : public Module {
 public:
  FeedForward(int64_t dim, int64_t hidden, float dropout, Activation activation = Activation::kRelu);
  /// x: [..., D] -> [..., D]
  Tensor forward(const Tensor& x) const;

  const Activation activation;
  std::shared_ptr<Linear> linear1;  // D -> F
  std::shared_ptr<Dropout> dropout;
  std::shared_ptr<Linear> linear2;  // F -> D

 protected:
  std::string type_name() const override { return "FeedForward"; }
  std::string extra_repr() const override;
};

}  // namespace mt::nn
