// Translating a stream of any length with bounded memory, as Marian and fairseq do: read a
// maxi-batch of lines, translate it (sorted by length and cut into batches under the token
// budget: data::length_batches), write its translations in input order and flush, then read on.
// Memory is one maxi-batch; a pipeline sees the first translations before the input ends. An
// error in line N (not UTF-8, a TSV line without its tab) names it, after the lines before its
// maxi-batch were written whole. Sources longer than the model's positions are translated as
// far as they go and counted.
//
// What is written for each input line, in input order:
//   text    the best translation, one line (empty and whitespace-only input lines included);
//           with scores, "translation<TAB>score"
//   n-best  the n_best best as "i ||| translation ||| score" lines, i the input line from 0
//           (the Moses and Marian format), best first
//   jsonl   one JSON object: {"line", "text", "score", "log_prob", "ended", "tokens"}, and with
//           n_best > 1 the list under "n_best"
// A score is the hypothesis' log-probability (its tokens and <eos> when it ended) divided by
// length^decode.length_penalty, the length counting that <eos>: what beam search ranks by.
// Read next: ../cli/main.cpp.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "data/codec.h"
#include "data/corpus_file.h"
#include "nn/transformer.h"
#include "train/translate/decode.h"

namespace mt {

enum class OutputFormat { kText, kNBest, kJsonl };

struct StreamOptions {
  int64_t maxi_batch = 4000;  // lines read, translated and written at a time
  bool tsv = false;           // lines are source<TAB>anything: the source is translated
  OutputFormat format = OutputFormat::kText;
  bool scores = false;        // text: each translation followed by a tab and its score
};

struct StreamCounts {
  int64_t lines = 0;
  int64_t cut = 0;  // sources longer than the model's positions
};

/// Translates every line `in` gives, writing each one's translations to `out` as options say
/// (decode.n_best hypotheses a line for n-best and jsonl).
StreamCounts translate_stream(nn::Transformer& model, const data::Codec& codec, data::LineReader& in,
                              std::ostream& out, const DecodeOptions& decode, const StreamOptions& options);

}  // namespace mt
