// The tokenizers of a run. With data.tokenizer = sentencepiece a run directory keeps its models
// (spm.model for a joint one, data.shared_vocab; else src.spm.model and tgt.spm.model): copied
// from the paths the config gives, or trained on a sample of the training corpora when it gives
// none (as Marian does with .spm vocabularies; the prepared set, prepared_set.h, draws the
// sample). Resuming, translating and evaluating load them from the run directory, so it is
// complete on its own. Read next: checkpoint.h.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "data/codec.h"
#include "data/parallel_corpus.h"
#include "train/run/config.h"

namespace mt {

/// Sets codec's tokenizers to those saved in the run directory `dir`, as its config says.
void load_tokenizers(const Config& config, const std::string& dir, data::Codec& codec);

/// The lines SentencePiece models are trained on: with data.shared_vocab, `src` holds both sides.
struct TokenizerLines {
  std::vector<std::string> src, tgt;
  int64_t src_seen = 0, tgt_seen = 0;  // the lines they were drawn from
};

/// Loads the configured SentencePiece models, or trains them on `lines`; sets codec's tokenizers.
void make_tokenizers(const Config& config, const TokenizerLines& lines, data::Codec& codec, std::ostream& log);

/// Writes codec's tokenizers (SentencePiece models; nothing for whitespace) and vocabularies into `dir`.
void save_codec(const Config& config, const data::Codec& codec, const std::string& dir);

}  // namespace mt
