// A parallel corpus: aligned sentence pairs read from two files (one sentence per line, plain
// or gzip: corpus_file.h) or one TSV file (source<TAB>target). Every line is checked: valid
// UTF-8, not blank, the two files of equal length, one tab per TSV line. Errors name the file
// and line. The raw pairs are then tokenized (tokenizer.h). Read next: batcher.h.
#pragma once

#include <string>
#include <vector>

#include "data/tokenizer.h"

namespace mt::data {

/// One aligned pair of lines, as the corpus spells them.
struct TextPair {
  std::string src, tgt;
};

/// A tokenized pair, with the text it came from.
struct SentencePair {
  std::vector<std::string> src, tgt;  // tokens: words or subword pieces
  std::string src_text;  // the source line
  std::string tgt_text;  // what a translation is scored against (Tokenizer::reference)
};

/// Reads `src_path` and `tgt_path` line by line.
std::vector<TextPair> read_parallel_text(const std::string& src_path, const std::string& tgt_path);
/// Reads a TSV file of source<TAB>target lines.
std::vector<TextPair> read_tsv_text(const std::string& path);
/// Tokenizes each side with its tokenizer.
std::vector<SentencePair> tokenize_pairs(const std::vector<TextPair>& pairs, const Tokenizer& src,
                                         const Tokenizer& tgt);

struct CorpusOptions {
  bool lowercase = false;
};
/// read_parallel_text, tokenized on whitespace.
std::vector<SentencePair> read_parallel(const std::string& src_path, const std::string& tgt_path,
                                        const CorpusOptions& options);
/// read_tsv_text, tokenized on whitespace.
std::vector<SentencePair> read_tsv(const std::string& path, const CorpusOptions& options);

}  // namespace mt::data
