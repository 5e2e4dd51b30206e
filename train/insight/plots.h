// Pictures for learning: the attention of one translated sentence (every encoder
// self-attention, decoder self-attention and cross-attention, per layer and head, or averaged
// over heads) and the training curves of a run. Both are self-contained SVG documents.
// Read next: explain.h.
#pragma once

#include <string>
#include <vector>

#include "nn/transformer.h"
#include "train/run/checkpoint.h"
#include "train/translate/decode.h"

namespace mt {

/// The attention weights of one module for one sentence.
struct AttentionMap {
  std::string path;                // "transformer.decoder.layers.0.multihead_attn"
  std::string kind;                // "encoder self-attention", "decoder self-attention", "cross-attention"
  std::vector<std::string> rows;   // query labels (T)
  std::vector<std::string> cols;   // key labels (S)
  int64_t heads = 0;
  std::vector<float> weights;      // [heads, T, S]
  float at(int64_t head, int64_t row, int64_t col) const {
    return weights[(head * rows.size() + row) * cols.size() + col];
  }
};

/// Runs src -> output teacher-forced (the decoder reads <bos> + output, and predicts
/// output + <eos>) and returns every attention in forward order. Decoder rows are labelled
/// with the token predicted there, decoder self-attention columns with the token read.
std::vector<AttentionMap> record_attention(const nn::Transformer& model, const std::vector<int32_t>& src,
                                           const std::vector<int32_t>& output,
                                           const std::vector<std::string>& src_tokens,
                                           const std::vector<std::string>& output_tokens);

/// One sentence of a trained model: its translation (or the given target) and every attention.
struct SentenceAttention {
  std::vector<std::string> src_tokens, output_tokens;  // as the vocabularies see them (<unk> shown)
  std::vector<AttentionMap> maps;
};
/// Tokenizes `src` as the run's data options do, translates it with `decode` (or takes
/// `forced_tgt` when it is not empty), and records the attention of that pair.
SentenceAttention attend_sentence(const LoadedModel& loaded, const std::string& src, const std::string& forced_tgt,
                                  const DecodeOptions& decode);

/// Heatmaps of `maps`, grouped by kind, one row per layer, one column per head (or a single
/// head-averaged column), with labelled axes and a colour scale.
std::string attention_svg(const std::vector<AttentionMap>& maps, bool average_heads, const std::string& title);

/// The training curves of a metrics.jsonl file: training and validation loss, validation BLEU
/// and the learning rate against steps. Lines that are not JSON objects are an error naming
/// the file and line.
std::string curves_svg(const std::string& metrics_path);

/// The health monitor's figures of a metrics.jsonl file (health.h): gradient norm and
/// update/weight ratio (log scales), the lowest attention entropy, the share of saturated rows.
std::string health_svg(const std::string& metrics_path);

}  // namespace mt
