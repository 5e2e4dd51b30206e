// Vocabulary: token <-> id. Ids 0-3 are the specials <pad>, <unk>, <bos>, <eos>; the rest are
// the training split's tokens by falling frequency (ties alphabetical), kept if seen at least
// min_freq times, at most max_size in all; or a SentencePiece model's pieces in its order.
// Saved as plain text, one token per line, the line number being the id. Read next: parallel_corpus.h.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace mt::data {

class Vocab {
 public:
  static constexpr int32_t kPad = 0, kUnk = 1, kBos = 2, kEos = 3;

  Vocab();  // the specials only
  /// From tokenized sentences; max_size 0 means no limit (it counts the specials).
  static Vocab build(const std::vector<std::vector<std::string>>& sentences, int64_t min_freq, int64_t max_size);
  /// From each token's count, as build() ranks them.
  static Vocab from_counts(const std::unordered_map<std::string, int64_t>& counts, int64_t min_freq, int64_t max_size);
  /// The specials, then `tokens` in their order (a tokenizer's own vocabulary, tokenizer.h).
  static Vocab from_tokens(const std::vector<std::string>& tokens);
  /// Reads a saved vocabulary; errors name the file and line.
  static Vocab load(const std::string& path);
  /// Writes one token per line (atomically).
  void save(const std::string& path) const;

  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  /// The id of `token`, <unk> if absent.
  int32_t id(const std::string& token) const;
  const std::string& token(int32_t id) const;
  /// Ids of tokens; unknown ones become <unk>.
  std::vector<int32_t> encode(const std::vector<std::string>& tokens) const;
  /// Tokens of ids, stopping at <eos> and skipping <pad> and <bos>.
  std::vector<std::string> decode(const std::vector<int32_t>& ids) const;

 private:
  void add(const std::string& token);
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
};

}  // namespace mt::data
