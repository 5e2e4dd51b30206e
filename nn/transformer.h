// The encoder-decoder Transformer for translation.
//   Encoder / Decoder: stacks of layers with a final LayerNorm (torch.nn.TransformerEncoder /
//     TransformerDecoder as nn.Transformer builds them).
//   EncoderDecoder: both stacks, saved as "transformer.*" (torch.nn.Transformer).
//   Transformer: embeddings scaled by sqrt(D) plus positions, dropout, the stacks, and the
//     output projection "generator" (optionally tied to the target embedding).
// Parameter names and shapes equal the state_dict of tools/reference_model.py, so weights move
// between minitrans and PyTorch. Read next: train/optimizer.h.
#pragma once

#include <memory>
#include <vector>

#include "nn/decoding.h"
#include "nn/embedding.h"
#include "nn/encoder_layer.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/padding.h"
#include "nn/positional_encoding.h"

namespace mt::nn {

struct TransformerOptions {
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;
  int64_t d_model = 512;
  int64_t heads = 8;
  int64_t encoder_layers = 6;
  int64_t decoder_layers = 6;
  int64_t ff_dim = 2048;
  float dropout = 0.1f;
  Activation activation = Activation::kRelu;
  std::string feed_forward = "standard";  // see register_feed_forward
  bool norm_first = false;         // pre-LN instead of post-LN
  bool tie_output = false;         // generator.weight is tgt_embed.weight
  bool learned_positions = false;  // a learned table instead of sinusoids
  bool embedding_dropout = true;   // dropout on embeddings + positions (torch.nn.Transformer has none)
  int64_t max_len = 1024;
  int32_t pad_id = 0;

  LayerOptions layer() const;
};

class Encoder : public Module {
 public:
  Encoder(const LayerOptions& layer, int64_t count);
  /// x: [B, S, D] -> memory [B, S, D]
  Tensor forward(const Tensor& x, const IntTensor* src_padding) const;

  std::vector<std::shared_ptr<EncoderLayer>> layers;  // saved as layers.0, layers.1, ...
  std::shared_ptr<LayerNorm> norm;

 protected:
  std::string type_name() const override { return "Encoder"; }
};

class Decoder : public Module {
 public:
  Decoder(const LayerOptions& layer, int64_t count);
  /// y: [B, T, D], memory: [B, S, D] -> [B, T, D]
  Tensor forward(const Tensor& y, const Tensor& memory, const IntTensor* tgt_padding,
                 const IntTensor* src_padding) const;

  std::vector<std::shared_ptr<DecoderLayer>> layers;
  std::shared_ptr<LayerNorm> norm;

 protected:
  std::string type_name() const override { return "Decoder"; }
};

class EncoderDecoder : public Module {
 public:
  explicit EncoderDecoder(const TransformerOptions& options);

  std::shared_ptr<Encoder> encoder;
  std::shared_ptr<Decoder> decoder;

 protected:
  std::string type_name() const override { return "EncoderDecoder"; }
};

/// What training needs from a forward pass: logits only where there is a target to predict.
struct TargetLogits {
  Tensor logits;      // [R, V_tgt] at the R positions whose target is not padding (row-major order)
  IntTensor targets;  // [R] those targets
};

class Transformer : public Module {
 public:
  explicit Transformer(const TransformerOptions& options);

  /// src: [B, S], tgt_in: [B, T] token ids (pad_id = padding) -> logits [B, T, V_tgt]
  Tensor forward(const IntTensor& src, const IntTensor& tgt_in) const;
  /// src: [B, S] -> memory [B, S, D]
  Tensor encode(const IntTensor& src) const;
  /// tgt_in: [B, T], memory of `src` -> logits [B, T, V_tgt]
  Tensor decode(const IntTensor& tgt_in, const Tensor& memory, const IntTensor& src) const;
  /// Training's forward: tgt_out [B, T] holds the token each position must predict (pad_id where
  /// none). cross_entropy(logits, targets) equals a cross-entropy over forward()'s [B·T, V_tgt]
  /// that ignores padding, gradients included, but no layer computes a padded position (a
  /// quarter of the rows on the benchmark batches): the batch runs packed (padding.h).
  TargetLogits forward_targets(const IntTensor& src, const IntTensor& tgt_in, const IntTensor& tgt_out) const;

  /// Incremental decoding (decoding.h): the caches for `memory` of `src`, for up to `capacity`
  /// generated positions. Use under NoGradGuard.
  DecoderCache start_decoding(const Tensor& memory, const IntTensor& src, int64_t capacity) const;
  /// Feeds the previous token of every row ([N]) and returns the next-token logits [N, V_tgt].
  Tensor decode_step(const std::vector<int32_t>& tokens, DecoderCache& cache) const;

  const TransformerOptions options;
  std::shared_ptr<Embedding> src_embed, tgt_embed;
  std::shared_ptr<PositionalEncoding> positions;
  std::shared_ptr<Dropout> embed_dropout;
  std::shared_ptr<EncoderDecoder> transformer;
  std::shared_ptr<Linear> generator;

 protected:
  std::string type_name() const override { return "Transformer"; }
  std::string extra_repr() const override;

 private:
  Tensor embed(const Embedding& table, const IntTensor& ids, const char* what, int64_t offset = 0) const;
  /// The encoder stack's output for src: [B, S, D], or packed [Ns, D] (padding.h).
  Tensor encoder_states(const IntTensor& src, bool packed) const;
  /// The decoder stack's output for tgt_in over the memory of src: [B, T, D], or packed [Nt, D]
  /// (then memory may be packed too).
  Tensor decoder_states(const IntTensor& tgt_in, const Tensor& memory, const IntTensor& src,
                        bool packed = false) const;
};

}  // namespace mt::nn
