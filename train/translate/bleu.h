// Corpus BLEU-4 computed as sacreBLEU 2's default does: mteval-v13a tokenization, case-sensitive
// (or lowercased), n-gram counts clipped by the references and summed over the corpus, the
// brevity penalty against the closest reference length, and 'exp' smoothing, which only acts
// when some n-gram order has no match at all (smoothing 'none' gives 0 there). Tokens are
// split on Unicode whitespace as Python's str.split() does. Each score carries sacreBLEU's
// signature of the settings. Read next: chrf.h.
#pragma once

#include <string>
#include <vector>

namespace mt {

struct BleuScore {
  double score = 0.0;             // 0-100
  double precisions[4] = {0, 0, 0, 0};  // 0-100, as sacreBLEU prints them
  double brevity_penalty = 0.0;
  long hyp_len = 0, ref_len = 0;
  std::string signature;          // "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp"
};

enum class BleuSmoothing { kExp, kNone };

struct BleuOptions {
  BleuSmoothing smoothing = BleuSmoothing::kExp;
  bool lowercase = false;
};

/// The mteval-v13a tokenization of one line (tokens joined by single spaces).
std::string tokenize_13a(const std::string& line);

/// Corpus BLEU of hypotheses against one or more reference sets: references[k][i] is the k-th
/// reference of sentence i (every set as long as the hypotheses).
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references,
                      const BleuOptions& options = {});

}  // namespace mt
