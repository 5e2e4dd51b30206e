// Translation: greedy search and beam search over the incremental decoder (nn/decoding.h),
// batched, keeping input order. Beam search ranks finished hypotheses by
// log-probability / length^length_penalty; with beam 1 it is greedy search.
// Read next: ../loop/trainer.h.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/transformer.h"

namespace mt {

struct DecodeOptions {
  int64_t beam = 1;
  float length_penalty = 1.0f;  // exponent of the length normalization (0: none)
  int64_t max_len = 100;        // most output tokens, <eos> included
  int64_t max_tokens = 4096;    // source tokens per batch
};

/// Translates source id sequences (no <bos>/<eos>) into target id sequences (without <eos>),
/// in input order. Runs in evaluation mode without recording a tape; an empty source gives an
/// empty translation.
std::vector<std::vector<int32_t>> translate(nn::Transformer& model,
                                            const std::vector<std::vector<int32_t>>& sources,
                                            const DecodeOptions& options);

/// One batch: src [B, S] -> B outputs (greedy_search when beam == 1, else beam_search).
std::vector<std::vector<int32_t>> decode_batch(nn::Transformer& model, const IntTensor& src,
                                               const DecodeOptions& options);

/// The most likely next token at each step, until <eos> or max_len.
std::vector<std::vector<int32_t>> greedy_search(nn::Transformer& model, const IntTensor& src,
                                                int64_t max_len);
/// Keeps the options.beam best partial outputs per sentence; the best finished one wins.
std::vector<std::vector<int32_t>> beam_search(nn::Transformer& model, const IntTensor& src,
                                              const DecodeOptions& options);

}  // namespace mt
