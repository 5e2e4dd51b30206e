// LayerNorm over the last dim with a learned scale (ones) and shift (zeros); eps 1e-5 as in
// PyTorch. The fused kernel is autograd/ops/layer_norm.cpp. A layer's norms are chosen by name
// (config key model.norm): "layer_norm" is this one, and a program may register its own
// (examples/rmsnorm registers an RMSNorm). Read next: dropout.h.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"

namespace mt::nn {

/// What a layer needs of a norm: the same map of every row's last dim.
class Norm : public Module {
 public:
  /// x: [..., D] -> [..., D]
  virtual Tensor forward(const Tensor& x) const = 0;
};

class LayerNorm : public Norm {
 public:
  explicit LayerNorm(int64_t dim, float eps = 1e-5f);
  Tensor forward(const Tensor& x) const override;

  const int64_t dim;
  const float eps;
  Tensor weight, bias;  // [D]

 protected:
  std::string type_name() const override { return "LayerNorm"; }
  std::string extra_repr() const override;
};

/// A norm over `dim` features with epsilon `eps`.
using NormFactory = std::function<std::shared_ptr<Norm>(int64_t dim, float eps)>;
/// Makes `make` available as model.norm = `name` (call it before reading a config).
void register_norm(const std::string& name, NormFactory make);
/// The norm registered as `name`; an unknown name is an error listing the registered ones.
std::shared_ptr<Norm> make_norm(const std::string& name, int64_t dim, float eps);
/// Every registered name, sorted ("layer_norm" is always there).
std::vector<std::string> norm_names();

}  // namespace mt::nn
