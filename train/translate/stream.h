// Translating a stream of any length with bounded memory, as Marian and fairseq do: read a
// maxi-batch of lines, translate it (translate_text sorts it by length and cuts it into batches
// under the token budget), write its translations in input order and flush, then read on. Memory
// is one maxi-batch; a pipeline sees the first translations before the input ends. Exactly one
// output line per input line, empty and whitespace-only lines included. An error in line N (not
// UTF-8, a TSV line without its tab) names it, after the lines before its maxi-batch were
// written whole. Sources longer than the model's positions are translated as far as they go and
// counted. Read next: ../cli/main.cpp.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "data/codec.h"
#include "data/corpus_file.h"
#include "nn/transformer.h"
#include "train/translate/decode.h"

namespace mt {

struct StreamOptions {
  int64_t maxi_batch = 1000;  // lines read, translated and written at a time
  bool tsv = false;           // lines are source<TAB>anything: the source is translated
};

struct StreamCounts {
  int64_t lines = 0;
  int64_t cut = 0;  // sources longer than the model's positions
};

/// Translates every line `in` gives, writing one translation per line to `out`.
StreamCounts translate_stream(nn::Transformer& model, const data::Codec& codec, data::LineReader& in,
                              std::ostream& out, const DecodeOptions& decode, const StreamOptions& options);

}  // namespace mt
