// Corpus chrF (Popović 2015) and chrF++ (2017) computed as sacreBLEU 2 does: character n-grams
// of orders 1..6 over the text with its whitespace removed (Unicode whitespace, as Python's
// str.split()), and for chrF++ word n-grams of orders 1..2 over words with a leading or trailing
// punctuation mark split off. Hypothesis, reference and matched n-gram counts are summed over
// the corpus per order; precision and recall are averaged over the orders both sides have
// (sacreBLEU's effective order) and combined as an F-beta score, beta 2. With eps smoothing the
// per-order F-scores are averaged instead, as chrF++.py does. With several references, each
// sentence counts its best-scoring one. Read next: decode.h.
#pragma once

#include <string>
#include <vector>

namespace mt {

struct ChrfOptions {
  int char_order = 6;
  int word_order = 0;  // 2: chrF++
  int beta = 2;
  bool lowercase = false;
  bool whitespace = false;     // keep whitespace in character n-grams
  bool eps_smoothing = false;  // average per-order F-scores (chrF++.py), not effective order
};

struct ChrfScore {
  double score = 0.0;     // 0-100
  std::string name;       // "chrF2", "chrF2++"
  std::string signature;  // "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no"
};

/// Corpus chrF of hypotheses against one or more reference sets (references[k][i] is the k-th
/// reference of sentence i).
ChrfScore corpus_chrf(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references, const ChrfOptions& options = {});

}  // namespace mt
