// Corpus BLEU-4 computed as sacreBLEU's default does: mteval-v13a tokenization, case-sensitive,
// n-gram counts clipped by the references and summed over the corpus, the brevity penalty
// against the closest reference length, and 'exp' smoothing, which only acts when some n-gram
// order has no match at all (smoothing 'none' gives 0 there). Read next: decode.h.
#pragma once

#include <string>
#include <vector>

namespace mt {

struct BleuScore {
  double score = 0.0;             // 0-100
  double precisions[4] = {0, 0, 0, 0};  // 0-100, as sacreBLEU prints them
  double brevity_penalty = 0.0;
  long hyp_len = 0, ref_len = 0;
};

enum class BleuSmoothing { kExp, kNone };

/// The mteval-v13a tokenization of one line (tokens joined by single spaces).
std::string tokenize_13a(const std::string& line);

/// Corpus BLEU of hypotheses against one or more reference sets: references[k][i] is the k-th
/// reference of sentence i (every set as long as the hypotheses).
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references,
                      BleuSmoothing smoothing = BleuSmoothing::kExp);

}  // namespace mt
