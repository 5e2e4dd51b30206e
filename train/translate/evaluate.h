// Scoring a model on sentence pairs: translations as text (detokenized by the target
// tokenizer), corpus BLEU (bleu.h) and chrF (chrf.h) against the references as the corpus
// spells them, exact match, and the teacher-forced cross-entropy per target token (pad
// ignored) with its perplexity. Read next: ../cli/main.cpp.
#pragma once

#include <string>
#include <vector>

#include "data/codec.h"
#include "data/parallel_corpus.h"
#include "nn/transformer.h"
#include "train/translate/bleu.h"
#include "train/translate/chrf.h"
#include "train/translate/decode.h"

namespace mt {

struct EvalResult {
  BleuScore bleu;
  ChrfScore chrf;
  double exact_match = 0.0;  // share of translations equal to their reference, 0-1
  double loss = 0.0;         // mean cross-entropy per target token (with <eos>)
  double perplexity = 0.0;
  int64_t sentences = 0;
  std::vector<std::string> hypotheses, references;
};

/// The ids of lines of source text (unknown tokens become <unk>), each cut to the model's
/// positions; the number cut is added to *cut when given.
std::vector<std::vector<int32_t>> encode_sources(const nn::Transformer& model, const data::Codec& codec,
                                                 const std::vector<std::string>& sources, int64_t* cut = nullptr);

/// Translates lines of source text (unknown tokens become <unk>; sources longer than the
/// model's positions are cut to them, and counted in *cut when given) and returns the
/// translations as text.
std::vector<std::string> translate_text(nn::Transformer& model, const data::Codec& codec,
                                        const std::vector<std::string>& sources, const DecodeOptions& options,
                                        int64_t* cut = nullptr);

/// Teacher-forced mean cross-entropy per target token over the pairs.
double teacher_forced_loss(nn::Transformer& model, const data::Codec& codec,
                           const std::vector<data::SentencePair>& pairs, int64_t max_tokens);

/// Two lines: sentences, BLEU with its precisions, brevity penalty and lengths, chrF, exact
/// match, loss and perplexity; then the metrics' signatures (what `minitrans eval` prints).
std::string eval_text(const EvalResult& r);
/// The first `n` translations of `pairs` beside their sources and references, as training's
/// final test prints them ("  src: ...\n  ref: ...\n  hyp: ...", "(exact)" when they match).
std::string shown_translations(const std::vector<data::SentencePair>& pairs, const EvalResult& r, int64_t n);
/// The same as one JSON object (`minitrans eval --json`), with the first `show` translations
/// beside their sources and references under "examples".
std::string eval_json(const EvalResult& r, const std::vector<data::SentencePair>& pairs, int64_t show);

/// BLEU, chrF and exact match of `hypotheses` against the pairs' references (no loss).
EvalResult score_translations(const std::vector<data::SentencePair>& pairs, std::vector<std::string> hypotheses);
/// The pairs' sources translated, then scored as score_translations does (no loss).
EvalResult translate_and_score(nn::Transformer& model, const data::Codec& codec,
                               const std::vector<data::SentencePair>& pairs, const DecodeOptions& options);

/// Everything at once. With translate == false only the loss is computed.
EvalResult evaluate(nn::Transformer& model, const data::Codec& codec, const std::vector<data::SentencePair>& pairs,
                    const DecodeOptions& options, bool translate = true);

}  // namespace mt
