// EncoderLayer and DecoderLayer, with torch.nn.TransformerEncoderLayer/DecoderLayer's
// semantics and parameter names. Post-LN (the default, as in the paper and PyTorch):
//   x = norm1(x + dropout1(self_attn(x)));  x = norm2(x + dropout2(ff(x)))
// Pre-LN (norm_first): x = x + dropout1(self_attn(norm1(x)));  x = x + dropout2(ff(norm2(x)))
// The decoder adds cross-attention over the encoder memory between the two (norm2, and the
// feed-forward moves to norm3). Read next: transformer.h.
#pragma once

#include <memory>

#include "nn/dropout.h"
#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "nn/module.h"
#include "nn/multi_head_attention.h"

namespace mt::nn {
struct LayerCache;
}

namespace mt::nn {

struct LayerOptions {
  int64_t d_model = 512;
  int64_t heads = 8;
  int64_t ff_dim = 2048;
  float dropout = 0.1f;
  Activation activation = Activation::kRelu;
  std::string feed_forward = "standard";  // a name given to register_feed_forward
  bool norm_first = false;  // pre-LN
  float eps = 1e-5f;
};

class EncoderLayer : public Module {
 public:
  explicit EncoderLayer(const LayerOptions& options);
  /// x: [B, S, D], src_padding: [B, S] (non-zero = padding) or null -> [B, S, D]; or x packed
  /// [N, D] (padding.h) against src_padding -> [N, D]
  Tensor forward(const Tensor& x, const IntTensor* src_padding) const;

  const LayerOptions options;
  std::shared_ptr<MultiHeadAttention> self_attn;
  // The standard block's children are registered here as linear1, dropout, linear2 (PyTorch's
  // names); another block is registered whole, as feed_forward.
  std::shared_ptr<PositionwiseBlock> ff;
  std::shared_ptr<LayerNorm> norm1, norm2;
  std::shared_ptr<Dropout> dropout1, dropout2;

 protected:
  std::string type_name() const override { return "EncoderLayer"; }
  std::string extra_repr() const override { return options.norm_first ? "pre-LN" : "post-LN"; }
};

class DecoderLayer : public Module {
 public:
  explicit DecoderLayer(const LayerOptions& options);
  /// y: [B, T, D] attends causally to itself (tgt_padding [B, T] or null) and to memory
  /// [B, S, D] (src_padding [B, S] or null) -> [B, T, D]; y and memory may be packed (padding.h)
  /// against their masks, and the result is then packed too
  Tensor forward(const Tensor& y, const Tensor& memory, const IntTensor* tgt_padding,
                 const IntTensor* src_padding) const;
  /// One decoding step: y [N, 1, D] at `position`, attending to the cached keys and values of
  /// the earlier positions (this step's are appended) and of the memory (see decoding.h).
  Tensor step(const Tensor& y, LayerCache& cache, int64_t position, const IntTensor* src_padding) const;

  const LayerOptions options;
  std::shared_ptr<MultiHeadAttention> self_attn, cross_attn;  // cross_attn is saved as multihead_attn
  std::shared_ptr<PositionwiseBlock> ff;  // registered as in EncoderLayer
  std::shared_ptr<LayerNorm> norm1, norm2, norm3;
  std::shared_ptr<Dropout> dropout1, dropout2, dropout3;

 protected:
  std::string type_name() const override { return "DecoderLayer"; }
  std::string extra_repr() const override { return options.norm_first ? "pre-LN" : "post-LN"; }

 private:
  // The layer's residual and normalization structure, shared by forward() and step().
  template <typename SelfAttend, typename CrossAttend>
  Tensor combine(const Tensor& y, const SelfAttend& self_attend, const CrossAttend& cross_attend) const;
};

}  // namespace mt::nn
