// Explain mode: one sentence pair through the model with every tensor printed on the way, in
// order: token ids, embeddings, positions, each attention with its mask drawn as a 0/1 grid,
// each feed-forward and layer output, the logits, and the loss. Each line names the module
// path (transformer.decoder.layers.0.multihead_attn), the shape, and mean, std, min and max.
// `minitrans explain` prints it. Read next: mask_check.h.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "data/vocab.h"
#include "nn/transformer.h"

namespace mt {

struct ExplainOptions {
  int64_t max_grid = 24;  // masks larger than this many rows or columns are summarized, not drawn
};

/// Runs src -> tgt teacher-forced (evaluation mode, no tape) and writes the walk to `out`.
/// Returns the loss (mean cross-entropy per target token, <eos> included).
double explain(const nn::Transformer& model, const data::Vocab& src_vocab, const data::Vocab& tgt_vocab,
               const std::vector<std::string>& src, const std::vector<std::string>& tgt, std::ostream& out,
               const ExplainOptions& options = {});

}  // namespace mt
