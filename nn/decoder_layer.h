// DecoderLayer, with torch.nn.TransformerDecoderLayer's semantics and parameter names: the
// encoder layer's structure (encoder_layer.h) with cross-attention over the encoder memory
// between self-attention and the feed-forward block. Post-LN:
//   h = norm1(y + dropout1(self_attn(y)));  h = norm2(h + dropout2(cross_attn(h, memory)))
//   out = norm3(h + dropout3(ff(h)))
// Pre-LN moves each norm inside its residual branch. step() is the same layer for one new
// position, reading earlier positions from caches (decoding.h). Read next: transformer.h.
#pragma once

#include <memory>

#include "nn/dropout.h"
#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "nn/layer_options.h"
#include "nn/module.h"
#include "nn/multi_head_attention.h"

namespace mt::nn {

struct LayerCache;

class DecoderLayer : public Module {
 public:
  explicit DecoderLayer(const LayerOptions& options);
  /// y: [N, D], the rows of `layout`, attends causally to itself and to memory [M, D], the rows
  /// of `memory_layout` -> [N, D]
  Tensor forward(const Tensor& y, const SequenceLayout& layout, const Tensor& memory,
                 const SequenceLayout& memory_layout) const;
  /// One decoding step: y [N, D] at `position`, attending to the cached keys and values of the
  /// earlier positions (this step's are appended) and of the memory (see decoding.h).
  Tensor step(const Tensor& y, LayerCache& cache, int64_t position, const IntTensor& memory_padding) const;

  const LayerOptions options;
  std::shared_ptr<MultiHeadAttention> self_attn, cross_attn;  // cross_attn is saved as multihead_attn
  std::shared_ptr<PositionwiseBlock> ff;                      // registered as in EncoderLayer
  std::shared_ptr<Norm> norm1, norm2, norm3;
  std::shared_ptr<Dropout> dropout1, dropout2, dropout3;

 protected:
  std::string type_name() const override { return "DecoderLayer"; }
  std::string extra_repr() const override { return options.norm_first ? "pre-LN" : "post-LN"; }
};

}  // namespace mt::nn
