// Corpus BLEU; see bleu.h.
#include "train/translate/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "autograd/check.h"
#include "data/text.h"

namespace mt {
namespace {

// mteval-v13a's "language-dependent" class: every ASCII punctuation and symbol except
// apostrophe, comma, hyphen and period, which the context rules below handle.
bool is_13a_symbol(char c) {
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') ||
         (c >= ':' && c <= '@') || c == '/';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// One left-to-right, non-overlapping pass of a two-character rule, as Python's re.sub does.
template <typename Match, typename Emit>
std::string rewrite_pairs(const std::string& s, const Match& match, const Emit& emit) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && match(s[i], s[i + 1])) {
      emit(out, s[i], s[i + 1]);
      i += 2;
    } else {
      out += s[i++];
    }
  }
  return out;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

using Counts = std::map<std::vector<std::string>, int>;

Counts ngrams(const std::vector<std::string>& tokens, size_t n) {
  Counts counts;
  for (size_t i = 0; i + n <= tokens.size(); ++i) ++counts[std::vector<std::string>(tokens.begin() + i, tokens.begin() + i + n)];
  return counts;
}

}  // namespace

std::string tokenize_13a(const std::string& input) {
  std::string line = input;
  replace_all(line, "<skipped>", "");
  replace_all(line, "-\n", "");
  replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    replace_all(line, "&quot;", "\"");
    replace_all(line, "&amp;", "&");
    replace_all(line, "&lt;", "<");
    replace_all(line, "&gt;", ">");
  }
  std::string s = " " + line + " ";
  std::string spaced;
  for (char c : s) {
    if (is_13a_symbol(c)) spaced += std::string(" ") + c + " ";
    else spaced += c;
  }
  // Period and comma unless preceded by a digit; unless followed by a digit; dash after a digit.
  spaced = rewrite_pairs(spaced, [](char a, char b) { return !is_digit(a) && (b == '.' || b == ','); },
                         [](std::string& o, char a, char b) { o += a, o += ' ', o += b, o += ' '; });
  spaced = rewrite_pairs(spaced, [](char a, char b) { return (a == '.' || a == ',') && !is_digit(b); },
                         [](std::string& o, char a, char b) { o += ' ', o += a, o += ' ', o += b; });
  spaced = rewrite_pairs(spaced, [](char a, char b) { return is_digit(a) && b == '-'; },
                         [](std::string& o, char a, char b) { o += a, o += ' ', o += b, o += ' '; });
  return data::join(data::split_whitespace(spaced));
}

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references, const BleuOptions& options) {
  MT_CHECK(!references.empty(), "BLEU: no references");
  for (const auto& set : references) {
    MT_CHECK(set.size() == hypotheses.size(), "BLEU: ", hypotheses.size(), " hypotheses but a reference set of ",
             set.size());
  }
  // As sacreBLEU prepares a segment: lowercased if asked, trailing whitespace cut, 13a, split.
  const auto words = [&](const std::string& line) {
    const std::string text = options.lowercase ? data::lowercase(line) : line;
    return data::split_whitespace(tokenize_13a(std::string(data::rstrip(text))));
  };
  long correct[4] = {0, 0, 0, 0}, total[4] = {0, 0, 0, 0};
  BleuScore result;
  result.signature = str("nrefs:", references.size(), "|case:", options.lowercase ? "lc" : "mixed",
                         "|eff:no|tok:13a|smooth:", options.smoothing == BleuSmoothing::kExp ? "exp" : "none");
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    const std::vector<std::string> hyp = words(hypotheses[i]);
    std::vector<std::vector<std::string>> refs;
    for (const auto& set : references) refs.push_back(words(set[i]));
    // The closest reference length; on a tie, the shorter.
    long closest = -1;
    for (const auto& r : refs) {
      const long len = static_cast<long>(r.size()), diff = std::labs(len - static_cast<long>(hyp.size()));
      if (closest < 0 || diff < std::labs(closest - static_cast<long>(hyp.size())) ||
          (diff == std::labs(closest - static_cast<long>(hyp.size())) && len < closest))
        closest = len;
    }
    result.hyp_len += static_cast<long>(hyp.size());
    result.ref_len += closest;
    for (size_t n = 1; n <= 4; ++n) {
      Counts max_ref;
      for (const auto& r : refs)
        for (const auto& [gram, count] : ngrams(r, n)) max_ref[gram] = std::max(max_ref[gram], count);
      for (const auto& [gram, count] : ngrams(hyp, n)) {
        auto it = max_ref.find(gram);
        correct[n - 1] += std::min(count, it == max_ref.end() ? 0 : it->second);
      }
      total[n - 1] += std::max(0L, static_cast<long>(hyp.size()) - static_cast<long>(n) + 1);
    }
  }
  // Precisions as sacreBLEU computes them; a zero count under 'exp' becomes 100 / (2^k · total).
  double log_sum = 0.0, smooth = 1.0;
  bool zero = false;
  for (int n = 0; n < 4; ++n) {
    if (total[n] == 0) {
      zero = true;
      break;
    }
    if (correct[n] == 0) {
      if (options.smoothing == BleuSmoothing::kExp) {
        smooth *= 2;
        result.precisions[n] = 100.0 / (smooth * total[n]);
      } else {
        zero = true;
      }
    } else {
      result.precisions[n] = 100.0 * correct[n] / total[n];
    }
    if (result.precisions[n] > 0) log_sum += std::log(result.precisions[n]);
  }
  result.brevity_penalty = result.hyp_len >= result.ref_len ? 1.0
                           : result.hyp_len > 0          ? std::exp(1.0 - double(result.ref_len) / result.hyp_len)
                                                         : 0.0;
  result.score = zero ? 0.0 : result.brevity_penalty * std::exp(log_sum / 4.0);
  return result;
}

}  // namespace mt
