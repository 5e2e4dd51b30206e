// Scoring given translations: the log-probability the model gives each target for its source,
// teacher-forced and batched (what fairseq's --score-reference, Marian's scorer and
// CTranslate2's score_batch compute), for rescoring, filtering a corpus, or checking how likely
// a translation is.
//
// A pair's score is the sum of the log-probabilities of its target's pieces and of <eos> (the
// target is taken as a whole translation), and the mean over those pieces. For a translation
// that translate ended with <eos> this is translate's log_prob; one translate cut at its length
// limit scores here with an <eos> added, which translate never scored. A side longer than the
// model's positions is cut to them (the pair is flagged). A pair with an empty source scores
// 0 with an empty target and -inf otherwise: translate gives an empty source the empty
// translation. Read next: stream.h.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include "data/codec.h"
#include "data/parallel_corpus.h"
#include "nn/transformer.h"

namespace mt {

struct PairScore {
  double log_prob = 0.0;  // sum over the target's pieces and <eos>
  int64_t tokens = 0;     // the target's pieces + 1 (<eos>)
  bool cut = false;       // a side was longer than the model's positions and was cut to them
  double mean() const { return log_prob / static_cast<double>(tokens); }
};

/// The scores of `pairs` (text), in their order; batches hold at most max_tokens padded tokens.
std::vector<PairScore> score_pairs(nn::Transformer& model, const data::Codec& codec,
                                   const std::vector<data::TextPair>& pairs, int64_t max_tokens);

struct ScoreCounts {
  int64_t pairs = 0;
  int64_t cut = 0;
};

/// Scores every pair `in` gives, maxi_batch pairs at a time, writing one line each in input
/// order: "log_prob<TAB>mean", or with jsonl {"line", "log_prob", "mean", "tokens", "cut"}.
ScoreCounts score_stream(nn::Transformer& model, const data::Codec& codec, data::PairReader& in, std::ostream& out,
                         int64_t max_tokens, int64_t maxi_batch, bool jsonl);

}  // namespace mt
