// EncoderLayer, with torch.nn.TransformerEncoderLayer's semantics and parameter names.
// Post-LN (the default, as in the paper and PyTorch):
//   h = norm1(x + dropout1(self_attn(x)));  out = norm2(h + dropout2(ff(h)))
// Pre-LN (norm_first):
//   h = x + dropout1(self_attn(norm1(x)));  out = h + dropout2(ff(norm2(h)))
// Read next: decoder_layer.h.
#pragma once

#include <memory>

#include "nn/dropout.h"
#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "nn/layer_options.h"
#include "nn/module.h"
#include "nn/multi_head_attention.h"

namespace mt::nn {

class EncoderLayer : public Module {
 public:
  explicit EncoderLayer(const LayerOptions& options);
  /// x: [N, D], the rows of `layout` (sequence_layout.h) -> [N, D]
  Tensor forward(const Tensor& x, const SequenceLayout& layout) const;

  const LayerOptions options;
  std::shared_ptr<MultiHeadAttention> self_attn;
  // The standard block's children are registered here as linear1, dropout, linear2 (PyTorch's
  // names, so checkpoints match: FeedForward::children_in_layer); another block is registered
  // whole, as feed_forward.
  std::shared_ptr<PositionwiseBlock> ff;
  std::shared_ptr<Norm> norm1, norm2;
  std::shared_ptr<Dropout> dropout1, dropout2;

 protected:
  std::string type_name() const override { return "EncoderLayer"; }
  std::string extra_repr() const override { return options.norm_first ? "pre-LN" : "post-LN"; }
};

}  // namespace mt::nn
