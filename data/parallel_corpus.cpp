// Reading parallel corpora; see parallel_corpus.h.
#include "data/parallel_corpus.h"

#include "autograd/check.h"
#include "data/text.h"

namespace mt::data {

PairReader::PairReader(const CorpusFiles& files)
    : files_(files), first_(files.tsv.empty() ? files.src : files.tsv),
      second_(files.tsv.empty() ? std::make_unique<LineReader>(files.tgt) : nullptr) {}

PairReader::PairReader(LineReader tsv) : first_(std::move(tsv)) { files_.tsv = first_.path(); }

bool PairReader::next(TextPair& pair) {
  if (!second_) {
    if (!first_.next(line_)) return false;
    const size_t tab = line_.find('\t');
    MT_CHECK(tab != std::string::npos && line_.find('\t', tab + 1) == std::string::npos, where(),
             ": expected source<TAB>target (exactly one tab)");
    pair.src.assign(line_, 0, tab);
    pair.tgt.assign(line_, tab + 1);
    return true;
  }
  const bool src = first_.next(pair.src), tgt = second_->next(pair.tgt);
  if (src != tgt) {
    const int64_t n = std::min(first_.line_number(), second_->line_number());
    throw Error(str(src ? files_.tgt : files_.src, ": ends at line ", n, " but ", src ? files_.src : files_.tgt,
                    " goes on (the two files must have the same number of lines)"));
  }
  return src;
}

std::string PairReader::where() const { return str(first_.path(), ":", first_.line_number()); }

std::vector<TextPair> read_pairs(const CorpusFiles& files) {
  PairReader reader(files);
  std::vector<TextPair> pairs;
  for (TextPair p; reader.next(p);) {
    MT_CHECK(!split_whitespace(p.src).empty(), reader.where(), ": empty sentence");
    MT_CHECK(!split_whitespace(p.tgt).empty(),
             files.tsv.empty() ? str(files.tgt, ":", reader.line_number()) : reader.where(), ": empty sentence");
    pairs.push_back(std::move(p));
  }
  MT_CHECK(!pairs.empty(), files.tsv.empty() ? files.src : files.tsv, ": the corpus is empty");
  return pairs;
}

std::vector<TextPair> read_parallel_text(const std::string& src_path, const std::string& tgt_path) {
  CorpusFiles files;
  files.src = src_path;
  files.tgt = tgt_path;
  return read_pairs(files);
}

std::vector<TextPair> read_tsv_text(const std::string& path) {
  CorpusFiles files;
  files.tsv = path;
  return read_pairs(files);
}

std::vector<SentencePair> tokenize_pairs(const std::vector<TextPair>& pairs, const Tokenizer& src,
                                         const Tokenizer& tgt) {
  std::vector<SentencePair> out(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    out[i] = {src.encode(pairs[i].src), tgt.encode(pairs[i].tgt), pairs[i].src, tgt.reference(pairs[i].tgt)};
  }
  return out;
}

}  // namespace mt::data
