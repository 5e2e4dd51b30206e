// A parallel corpus: aligned sentence pairs read from two files (one sentence per line) or one
// TSV file (source<TAB>target). Every line is checked: valid UTF-8, not empty, the two files
// of equal length, one tab per TSV line. Errors name the file and line. Read next: batcher.h.
#pragma once

#include <string>
#include <vector>

namespace mt::data {

struct SentencePair {
  std::vector<std::string> src, tgt;  // tokens
};

struct CorpusOptions {
  bool lowercase = false;
};

/// Reads `src_path` and `tgt_path` line by line, tokenized.
std::vector<SentencePair> read_parallel(const std::string& src_path, const std::string& tgt_path,
                                        const CorpusOptions& options);
/// Reads a TSV file of source<TAB>target lines, tokenized.
std::vector<SentencePair> read_tsv(const std::string& path, const CorpusOptions& options);
/// Reads one sentence per line (for translation input); empty lines are allowed and stay empty.
std::vector<std::vector<std::string>> read_sentences(std::istream& in, const std::string& name,
                                                     const CorpusOptions& options);

}  // namespace mt::data
