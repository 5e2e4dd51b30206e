// The encoder-decoder Transformer for translation.
//   Encoder / Decoder: stacks of layers with a final LayerNorm (torch.nn.TransformerEncoder /
//     TransformerDecoder as nn.Transformer builds them).
//   EncoderDecoder: both stacks, saved as "transformer.*" (torch.nn.Transformer).
//   Transformer: embeddings scaled by sqrt(D) plus positions, dropout, the stacks, and the
//     output projection "generator" (optionally tied to the target embedding).
// Parameter names and shapes equal the state_dict of tools/pytorch/reference_model.py, so weights move
// between minitrans and PyTorch. Read next: ../train/optim/optimizer.h.
#pragma once

#include <memory>
#include <vector>

#include "nn/decoder_layer.h"
#include "nn/decoding.h"
#include "nn/embedding.h"
#include "nn/encoder_layer.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/positional_encoding.h"
#include "nn/sequence_layout.h"

namespace mt::nn {

/// How the embedding tables start: N(0, 1) as torch.nn.Embedding, or N(0, 1/D) as Vaswani et al.
/// and fairseq, so that embeddings times sqrt(D) have std 1, as the positions do.
enum class EmbeddingInit { kNormal, kScaled };

struct TransformerOptions {
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;
  LayerOptions layer;  // every encoder and decoder layer's (d_model, heads, ff_dim, dropout, ...)
  int64_t encoder_layers = 2;
  int64_t decoder_layers = 2;
  bool tie_output = false;         // generator.weight is tgt_embed.weight
  bool tie_embeddings = false;     // src_embed.weight is tgt_embed.weight (one vocabulary for both sides)
  bool learned_positions = false;  // a learned table instead of sinusoids
  bool embedding_dropout = true;   // dropout on embeddings + positions (torch.nn.Transformer has none)
  EmbeddingInit embedding_init = EmbeddingInit::kNormal;
  int64_t max_positions = 256;  // the longest sequence the positions cover
  int32_t pad_id = 0;           // data::Vocab::kPad
};

class Encoder : public Module {
 public:
  Encoder(const LayerOptions& layer, int64_t count);
  /// x: [N, D], the rows of `layout` -> memory [N, D]
  Tensor forward(const Tensor& x, const SequenceLayout& layout) const;

  std::vector<std::shared_ptr<EncoderLayer>> layers;  // saved as layers.0, layers.1, ...
  std::shared_ptr<Norm> norm;

 protected:
  std::string type_name() const override { return "Encoder"; }
};

class Decoder : public Module {
 public:
  Decoder(const LayerOptions& layer, int64_t count);
  /// y: [N, D], the rows of `layout`, over memory [M, D], the rows of `memory_layout` -> [N, D]
  Tensor forward(const Tensor& y, const SequenceLayout& layout, const Tensor& memory,
                 const SequenceLayout& memory_layout) const;

  std::vector<std::shared_ptr<DecoderLayer>> layers;
  std::shared_ptr<Norm> norm;

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

/// What training needs from a forward pass: logits only at the positions the model computes.
struct TargetLogits {
  Tensor logits;      // [R, V_tgt] at the R rows of the target layout (row-major order)
  IntTensor targets;  // [R] the target of each row (pad_id where there is none: ignored)
};

class Transformer : public Module {
 public:
  explicit Transformer(const TransformerOptions& options);

  /// src: [B, S], tgt_in: [B, T] token ids (pad_id = padding) -> logits [B, T, V_tgt] at
  /// every position, as PyTorch computes them.
  Tensor forward(const IntTensor& src, const IntTensor& tgt_in) const;
  /// src: [B, S] -> memory [B, S, D]
  Tensor encode(const IntTensor& src) const;
  /// Training's forward: tgt_out [B, T] holds the token each position must predict (pad_id where
  /// none); the layouts (sequence_layout.h) say which positions each side computes: the batch
  /// makes them packed, so no layer computes a padded position (a quarter of the rows on the
  /// benchmark batches). cross_entropy(logits, targets) with pad_id ignored equals a
  /// cross-entropy over forward()'s [B·T, V_tgt] that ignores padding, gradients included.
  TargetLogits forward_targets(const IntTensor& src, const SequenceLayout& src_layout, const IntTensor& tgt_in,
                               const SequenceLayout& tgt_layout, const IntTensor& tgt_out) const;

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
  /// Embeddings times √D plus positions, then dropout, at the rows of `layout`: [N, D].
  Tensor embed(const Embedding& table, const IntTensor& ids, const SequenceLayout& layout, const char* what,
               int64_t offset = 0) const;
  /// The encoder stack's output for src at the rows of `layout`: [N, D].
  Tensor encoder_states(const IntTensor& src, const SequenceLayout& layout) const;
  /// The decoder stack's output for tgt_in at the rows of `layout`, over memory rows: [N, D].
  Tensor decoder_states(const IntTensor& tgt_in, const SequenceLayout& layout, const Tensor& memory,
                        const SequenceLayout& memory_layout) const;
};

}  // namespace mt::nn
