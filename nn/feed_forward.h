// FeedForward: linear1 -> activation (ReLU, or GELU) -> dropout -> linear2, applied to every
// position alike. A layer's feed-forward block is chosen by name (config key
// model.feed_forward): "standard" is this one, and a program may register its own
// (docs/tutorial.md builds a SwiGLU block). Read next: encoder_layer.h.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/dropout.h"
#include "nn/layer_options.h"
#include "nn/linear.h"
#include "nn/module.h"

namespace mt::nn {

/// What a layer needs of its feed-forward block: the same map at every position.
class PositionwiseBlock : public Module {
 public:
  /// x: [..., D] -> [..., D]
  virtual Tensor forward(const Tensor& x) const = 0;
  /// Whether a layer registers this block's children under its own name (PyTorch's layers hold
  /// linear1, dropout and linear2 themselves) instead of the block whole, as feed_forward.
  virtual bool children_in_layer() const { return false; }
};

class FeedForward : public PositionwiseBlock {
 public:
  FeedForward(int64_t dim, int64_t hidden, float dropout, Activation activation = Activation::kRelu);
  Tensor forward(const Tensor& x) const override;
  bool children_in_layer() const override { return true; }  // checkpoints keep PyTorch's names

  const Activation activation;
  std::shared_ptr<Linear> linear1;  // D -> F
  std::shared_ptr<Dropout> dropout;
  std::shared_ptr<Linear> linear2;  // F -> D

 protected:
  std::string type_name() const override { return "FeedForward"; }
  std::string extra_repr() const override;
};

/// A feed-forward block for a layer with these options (d_model, ff_dim, dropout, activation).
using FeedForwardFactory = std::function<std::shared_ptr<PositionwiseBlock>(const LayerOptions&)>;

/// Makes `make` available as model.feed_forward = `name` (call it before reading a config).
void register_feed_forward(const std::string& name, FeedForwardFactory make);
/// The block registered as `name`; an unknown name is an error listing the registered ones.
std::shared_ptr<PositionwiseBlock> make_feed_forward(const std::string& name, const LayerOptions& options);
/// Every registered name, sorted ("standard" is always there).
std::vector<std::string> feed_forward_names();

}  // namespace mt::nn
