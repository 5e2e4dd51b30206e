// A parallel corpus: aligned sentence pairs read from two files (one sentence per line, plain
// or gzip: corpus_file.h) or one TSV file (source<TAB>target), streamed pair by pair. A broken
// file is an error naming the file and line: invalid UTF-8, two files of different lengths, a TSV
// line without exactly one tab. A blank sentence is a bad pair, not a broken file: training
// skips and counts it (cleaning.h), while validation and test sets, scored whole, refuse it.
// The raw pairs are then tokenized (tokenizer.h). Read next: cleaning.h.
#pragma once

#include <string>
#include <vector>

#include "data/corpus_file.h"
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

/// Where a corpus is: two aligned files, or one TSV file; and how often its pairs are drawn in
/// an epoch (a weight of 2 draws each pair twice, 0.5 half of them, a new half each epoch).
struct CorpusFiles {
  std::string src, tgt;  // two aligned files, or
  std::string tsv;       // one file of source<TAB>target lines
  double weight = 1.0;
  /// "SRC + TGT" or the TSV file's path: how logs and errors name the corpus.
  std::string name() const { return tsv.empty() ? src + " + " + tgt : tsv; }
};

/// The pairs of a corpus, one at a time, as the files spell them (blank sides included).
class PairReader {
 public:
  explicit PairReader(const CorpusFiles& files);
  /// The source<TAB>target lines of `tsv` (a file or a stream, such as stdin).
  explicit PairReader(LineReader tsv);
  /// The next pair; false at the end (where two files that end apart are an error).
  bool next(TextPair& pair);
  /// "FILE:LINE" of the pair next() returned last (the source file's, for two files).
  std::string where() const;
  /// The pair's number, 1-based (its line number).
  int64_t line_number() const { return first_.line_number(); }

 private:
  CorpusFiles files_;
  LineReader first_;                     // the source file, or the TSV file
  std::unique_ptr<LineReader> second_;   // the target file
  std::string line_;
};

/// Every pair of a corpus; a blank side is an error (validation and test sets, translation input).
std::vector<TextPair> read_pairs(const CorpusFiles& files);
/// Reads `src_path` and `tgt_path` line by line (read_pairs of the two files).
std::vector<TextPair> read_parallel_text(const std::string& src_path, const std::string& tgt_path);
/// Reads a TSV file of source<TAB>target lines.
std::vector<TextPair> read_tsv_text(const std::string& path);
/// Tokenizes each side with its tokenizer.
std::vector<SentencePair> tokenize_pairs(const std::vector<TextPair>& pairs, const Tokenizer& src,
                                         const Tokenizer& tgt);

}  // namespace mt::data
