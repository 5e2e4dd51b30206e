// The tokenizers of a run. With data.tokenizer = sentencepiece a run directory keeps its models
// (spm.model for a joint one, data.shared_vocab; else src.spm.model and tgt.spm.model): copied
// from the paths the config gives, or trained on the training split when it gives none (as
// Marian does with .spm vocabularies). Resuming, translating and evaluating load them from
// there, so a run directory is complete on its own. Read next: checkpoint.h.
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

/// For a new run: loads the configured SentencePiece models, or trains them on `train`, and
/// saves them in `dir` (not when it is ""); sets codec's tokenizers.
void prepare_tokenizers(const Config& config, const std::vector<data::TextPair>& train, const std::string& dir,
                        data::Codec& codec, std::ostream& log);

}  // namespace mt
