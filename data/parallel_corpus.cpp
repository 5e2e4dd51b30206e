// Reading parallel corpora; see parallel_corpus.h.
#include "data/parallel_corpus.h"

#include "autograd/check.h"
#include "data/corpus_file.h"
#include "data/text.h"

namespace mt::data {
namespace {

void check_not_blank(const std::string& line, const std::string& path, size_t n) {
  MT_CHECK(!split_whitespace(line).empty(), path, ":", n, ": empty sentence");
}

}  // namespace

std::vector<TextPair> read_parallel_text(const std::string& src_path, const std::string& tgt_path) {
  std::vector<std::string> src = read_lines(src_path), tgt = read_lines(tgt_path);
  if (src.size() != tgt.size()) {
    const bool src_longer = src.size() > tgt.size();
    throw Error(str(src_longer ? tgt_path : src_path, ": ends at line ", std::min(src.size(), tgt.size()), " but ",
                    src_longer ? src_path : tgt_path, " goes on (the two files must have the same number of lines)"));
  }
  MT_CHECK(!src.empty(), src_path, ": the corpus is empty");
  std::vector<TextPair> pairs(src.size());
  for (size_t i = 0; i < src.size(); ++i) {
    check_not_blank(src[i], src_path, i + 1);
    check_not_blank(tgt[i], tgt_path, i + 1);
    pairs[i] = {std::move(src[i]), std::move(tgt[i])};
  }
  return pairs;
}

std::vector<TextPair> read_tsv_text(const std::string& path) {
  std::vector<TextPair> pairs;
  const std::vector<std::string> lines = read_lines(path);
  for (size_t n = 1; n <= lines.size(); ++n) {
    const std::string& line = lines[n - 1];
    const size_t tab = line.find('\t');
    MT_CHECK(tab != std::string::npos && line.find('\t', tab + 1) == std::string::npos, path, ":", n,
             ": expected source<TAB>target (exactly one tab)");
    pairs.push_back({line.substr(0, tab), line.substr(tab + 1)});
    check_not_blank(pairs.back().src, path, n);
    check_not_blank(pairs.back().tgt, path, n);
  }
  MT_CHECK(!pairs.empty(), path, ": the corpus is empty");
  return pairs;
}

std::vector<SentencePair> tokenize_pairs(const std::vector<TextPair>& pairs, const Tokenizer& src,
                                         const Tokenizer& tgt) {
  std::vector<SentencePair> out(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    out[i] = {src.encode(pairs[i].src), tgt.encode(pairs[i].tgt), pairs[i].src, tgt.reference(pairs[i].tgt)};
  }
  return out;
}

std::vector<SentencePair> read_parallel(const std::string& src_path, const std::string& tgt_path,
                                        const CorpusOptions& options) {
  const WhitespaceTokenizer words(options.lowercase);
  return tokenize_pairs(read_parallel_text(src_path, tgt_path), words, words);
}

std::vector<SentencePair> read_tsv(const std::string& path, const CorpusOptions& options) {
  const WhitespaceTokenizer words(options.lowercase);
  return tokenize_pairs(read_tsv_text(path), words, words);
}

}  // namespace mt::data
