// Corpus chrF; see chrf.h.
#include "train/translate/chrf.h"

#include <map>

#include "autograd/check.h"
#include "data/text.h"

namespace mt {
namespace {

// Counts of n-grams, one map per order: character orders first, then word orders.
using Counts = std::vector<std::map<std::u32string, int64_t>>;

// ASCII punctuation and symbols: !"#$%&'()*+,-./ :;<=>?@ [\]^_` {|}~
bool is_punctuation(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

// sacreBLEU's primitive tokenization for chrF++: a word longer than one character sheds its
// last character if that is punctuation, else its first if that is.
std::vector<std::u32string> words_for_chrf(const std::string& text) {
  std::vector<std::u32string> out;
  for (const std::string& word : data::split_whitespace(text)) {
    std::u32string w = data::utf8_decode(word);
    if (w.size() > 1 && is_punctuation(w.back())) {
      out.push_back(w.substr(0, w.size() - 1)), out.push_back(w.substr(w.size() - 1));
    } else if (w.size() > 1 && is_punctuation(w.front())) {
      out.push_back(w.substr(0, 1)), out.push_back(w.substr(1));
    } else {
      out.push_back(std::move(w));
    }
  }
  return out;
}

Counts ngram_counts(const std::string& line, const ChrfOptions& o) {
  const std::string text = o.lowercase ? data::lowercase(line) : line;
  Counts counts(o.char_order + o.word_order);
  std::string kept = o.whitespace ? text : "";  // the characters n-grams are taken over
  if (!o.whitespace)
    for (const std::string& word : data::split_whitespace(text)) kept += word;
  const std::u32string chars = data::utf8_decode(kept);
  for (int n = 1; n <= o.char_order; ++n)
    for (size_t i = 0; i + n <= chars.size(); ++i) ++counts[n - 1][chars.substr(i, n)];
  if (o.word_order > 0) {
    const std::vector<std::u32string> words = words_for_chrf(text);
    for (int n = 1; n <= o.word_order; ++n) {
      for (size_t i = 0; i + n <= words.size(); ++i) {
        std::u32string gram = words[i];
        for (int k = 1; k < n; ++k) gram += U' ' + words[i + k];
        ++counts[o.char_order + n - 1][gram];
      }
    }
  }
  return counts;
}

// Per order: hypothesis n-grams, reference n-grams, matches.
std::vector<int64_t> match_statistics(const Counts& hyp, const Counts& ref) {
  std::vector<int64_t> stats;
  for (size_t n = 0; n < hyp.size(); ++n) {
    int64_t h = 0, r = 0, m = 0;
    for (const auto& [gram, count] : hyp[n]) {
      h += count;
      const auto it = ref[n].find(gram);
      if (it != ref[n].end()) m += std::min(count, it->second);
    }
    for (const auto& [gram, count] : ref[n]) r += count;
    stats.insert(stats.end(), {h, r, m});
  }
  return stats;
}

double f_score(const std::vector<int64_t>& stats, const ChrfOptions& o) {
  constexpr double eps = 1e-16;
  const double factor = static_cast<double>(o.beta) * o.beta;
  const size_t orders = stats.size() / 3;
  double eps_sum = 0.0, avg_prec = 0.0, avg_rec = 0.0;
  int effective = 0;
  for (size_t i = 0; i < orders; ++i) {
    const int64_t h = stats[3 * i], r = stats[3 * i + 1], m = stats[3 * i + 2];
    const double prec = h > 0 ? static_cast<double>(m) / h : eps, rec = r > 0 ? static_cast<double>(m) / r : eps;
    const double denom = factor * prec + rec;
    eps_sum += denom > 0 ? (1 + factor) * prec * rec / denom : eps;
    if (h > 0 && r > 0) avg_prec += prec, avg_rec += rec, ++effective;
  }
  if (o.eps_smoothing) return 100.0 * eps_sum / static_cast<double>(orders);
  if (effective > 0) avg_prec /= effective, avg_rec /= effective;
  if (avg_prec + avg_rec == 0.0) return 0.0;
  return 100.0 * (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec);
}

}  // namespace

ChrfScore corpus_chrf(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references, const ChrfOptions& o) {
  MT_CHECK(!references.empty(), "chrF: no references");
  for (const auto& set : references) {
    MT_CHECK(set.size() == hypotheses.size(), "chrF: ", hypotheses.size(), " hypotheses but a reference set of ",
             set.size());
  }
  MT_CHECK(o.char_order >= 0 && o.word_order >= 0 && o.char_order + o.word_order > 0 && o.beta >= 1,
           "chrF: orders must be >= 0 and not both 0, beta >= 1");
  std::vector<int64_t> total(3 * (o.char_order + o.word_order), 0);
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    const Counts hyp = ngram_counts(hypotheses[i], o);
    std::vector<int64_t> best;
    double best_f = -1.0;
    for (const auto& set : references) {  // the reference this sentence matches best
      std::vector<int64_t> stats = match_statistics(hyp, ngram_counts(set[i], o));
      const double f = f_score(stats, o);
      if (f > best_f) best_f = f, best = std::move(stats);
    }
    for (size_t k = 0; k < total.size(); ++k) total[k] += best[k];
  }
  ChrfScore s;
  s.score = f_score(total, o);
  s.name = str("chrF", o.beta, std::string(o.word_order, '+'));
  s.signature = str("nrefs:", references.size(), "|case:", o.lowercase ? "lc" : "mixed", "|eff:",
                    o.eps_smoothing ? "no" : "yes", "|nc:", o.char_order, "|nw:", o.word_order,
                    "|space:", o.whitespace ? "yes" : "no");
  return s;
}

}  // namespace mt
