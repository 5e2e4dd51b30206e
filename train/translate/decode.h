// Translation: greedy search and beam search over the incremental decoder (nn/decoding.h),
// batched, keeping input order. A hypothesis carries its log-probability; beam search ranks
// hypotheses by log-probability / length^length_penalty and can return the n best; with beam 1
// it is greedy search. Read next: ../loop/trainer.h.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/transformer.h"

namespace mt {

struct DecodeOptions {
  int64_t beam = 1;
  int64_t n_best = 1;           // hypotheses returned per sentence, best first (at most beam)
  float length_penalty = 1.0f;  // exponent of the length normalization (0: none)
  // Output length: at most max_len_a · |source| + max_len_b decoding steps (the last may be
  // <eos>), and never more than the model's positions.
  float max_len_a = 0.0f;
  int64_t max_len_b = 100;
  int64_t max_tokens = 4096;  // source tokens per batch, beams counted (rows · beam · longest source)
};

/// One output of the search.
struct Hypothesis {
  std::vector<int32_t> tokens;  // without <eos>
  double log_prob = 0.0;        // sum of the log-probabilities of the tokens, and of <eos> when it ended
  double score = 0.0;           // log_prob / length^length_penalty, length counting <eos> when it ended
  bool ended = true;            // false: cut at the length limit before <eos>
};
using NBest = std::vector<Hypothesis>;  // best first

/// The most decoding steps for a source of `source_len` tokens under `options`, within the
/// model's `positions`.
int64_t output_limit(const DecodeOptions& options, int64_t source_len, int64_t positions);

/// Translates source id sequences (no <bos>/<eos>), in input order: the n_best best hypotheses
/// of each. Runs in evaluation mode without recording a tape; an empty source gives one empty
/// hypothesis. Batches are cut as data::length_batches cuts them.
std::vector<NBest> translate_hypotheses(nn::Transformer& model, const std::vector<std::vector<int32_t>>& sources,
                                        const DecodeOptions& options);
/// The best output of each source (the tokens of translate_hypotheses' first hypotheses).
std::vector<std::vector<int32_t>> translate(nn::Transformer& model, const std::vector<std::vector<int32_t>>& sources,
                                            const DecodeOptions& options);

/// One batch: src [B, S] -> B lists (greedy_search when beam == 1, else beam_search).
std::vector<NBest> decode_batch(nn::Transformer& model, const IntTensor& src, const DecodeOptions& options);

/// The most likely next token at each step, until <eos> or the length limit: one hypothesis each.
std::vector<NBest> greedy_search(nn::Transformer& model, const IntTensor& src, const DecodeOptions& options);
/// Keeps the options.beam best partial outputs per sentence; returns the n_best best finished ones.
std::vector<NBest> beam_search(nn::Transformer& model, const IntTensor& src, const DecodeOptions& options);

}  // namespace mt
