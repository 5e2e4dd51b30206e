// Reading parallel corpora; see parallel_corpus.h.
#include "data/parallel_corpus.h"

#include <fstream>

#include "autograd/check.h"
#include "data/text.h"

namespace mt::data {
namespace {

std::ifstream open(const std::string& path) {
  std::ifstream in(path);
  MT_CHECK(in.good(), path, ": cannot open corpus file");
  return in;
}

// Tokens of one corpus line, checked.
std::vector<std::string> checked_tokens(const std::string& line, const std::string& path, int64_t n,
                                        const CorpusOptions& options) {
  const long bad = utf8_error_offset(line);
  MT_CHECK(bad < 0, path, ":", n, ": invalid UTF-8 at byte ", bad + 1);
  std::vector<std::string> tokens = tokenize(line, options.lowercase);
  MT_CHECK(!tokens.empty(), path, ":", n, ": empty sentence");
  return tokens;
}

}  // namespace

std::vector<SentencePair> read_parallel(const std::string& src_path, const std::string& tgt_path,
                                        const CorpusOptions& options) {
  std::ifstream src = open(src_path), tgt = open(tgt_path);
  std::vector<SentencePair> pairs;
  std::string s, t;
  int64_t n = 0;
  while (true) {
    const bool has_src = static_cast<bool>(std::getline(src, s));
    const bool has_tgt = static_cast<bool>(std::getline(tgt, t));
    if (!has_src && !has_tgt) break;
    ++n;
    MT_CHECK(has_src && has_tgt, has_src ? tgt_path : src_path, ": ends at line ", n - 1, " but ",
             has_src ? src_path : tgt_path, " goes on (the two files must have the same number of lines)");
    pairs.push_back({checked_tokens(s, src_path, n, options), checked_tokens(t, tgt_path, n, options)});
  }
  MT_CHECK(!pairs.empty(), src_path, ": the corpus is empty");
  return pairs;
}

std::vector<SentencePair> read_tsv(const std::string& path, const CorpusOptions& options) {
  std::ifstream in = open(path);
  std::vector<SentencePair> pairs;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    const size_t tab = line.find('\t');
    MT_CHECK(tab != std::string::npos && line.find('\t', tab + 1) == std::string::npos, path, ":", n,
             ": expected source<TAB>target (exactly one tab)");
    pairs.push_back({checked_tokens(line.substr(0, tab), path, n, options),
                     checked_tokens(line.substr(tab + 1), path, n, options)});
  }
  MT_CHECK(!pairs.empty(), path, ": the corpus is empty");
  return pairs;
}

std::vector<std::vector<std::string>> read_sentences(std::istream& in, const std::string& name,
                                                     const CorpusOptions& options) {
  std::vector<std::vector<std::string>> out;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    const long bad = utf8_error_offset(line);
    MT_CHECK(bad < 0, name, ":", n, ": invalid UTF-8 at byte ", bad + 1);
    out.push_back(tokenize(line, options.lowercase));
  }
  return out;
}

}  // namespace mt::data
