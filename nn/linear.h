// Linear: y = x·Wᵀ + b, with W stored [out, in] as in PyTorch, so weights load unchanged.
// The transpose is a flag of matmul, not a copy. Read next: embedding.h.
#pragma once

#include "nn/module.h"

namespace mt::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  /// x: [..., in] -> [..., out]
  Tensor forward(const Tensor& x) const;

  const int64_t in_features, out_features;
  Tensor weight;  // [out, in]
  Tensor bias;    // [out], undefined without bias

 protected:
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;
};

}  // namespace mt::nn
