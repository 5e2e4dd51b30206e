// Tokenizers: from a line of text to the tokens a vocabulary numbers, and back to text.
// WhitespaceTokenizer splits on Unicode whitespace (words as the corpus spells them);
// SentencePieceTokenizer cuts raw text into subword pieces with a SentencePiece model (Debian's
// libsentencepiece: unigram or BPE), trained here from the training split or loaded from a
// file, and detokenizes exactly. With subword sampling (alpha > 0), training draws a different
// segmentation of each sentence every epoch; validation and test always take the best one.
// Read next: parallel_corpus.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace mt::data {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  /// The tokens of a line (the best segmentation).
  virtual std::vector<std::string> encode(std::string_view text) const = 0;
  /// Each text's tokens, segmentations drawn by subword sampling where the tokenizer has it
  /// (training only); the draws depend on `seed` alone. Without sampling: encode.
  virtual std::vector<std::vector<std::string>> sample(const std::vector<std::string>& texts, uint32_t seed) const;
  /// The text of tokens: what `translate` prints.
  virtual std::string decode(const std::vector<std::string>& tokens) const = 0;
  /// What a translation of `line` is scored against: the line as decode would spell it.
  virtual std::string reference(std::string_view line) const = 0;
  /// The tokens the tokenizer fixes as its vocabulary (specials not included), in id order;
  /// empty when the corpus decides the vocabulary.
  virtual std::vector<std::string> vocabulary() const { return {}; }
};

/// Words between Unicode whitespace, optionally lowercased; decode joins them with spaces.
class WhitespaceTokenizer : public Tokenizer {
 public:
  explicit WhitespaceTokenizer(bool lowercase = false) : lowercase_(lowercase) {}
  std::vector<std::string> encode(std::string_view text) const override;
  std::string decode(const std::vector<std::string>& tokens) const override;
  std::string reference(std::string_view line) const override;

 private:
  bool lowercase_;
};

enum class SubwordModel { kUnigram, kBpe };

struct SentencePieceOptions {
  SubwordModel model = SubwordModel::kUnigram;
  int64_t vocab_size = 8000;
  double character_coverage = 1.0;  // share of characters the model covers; the rest are <unk>
  int64_t threads = 1;
};

/// A SentencePiece model. Lowercasing, when asked for, happens before SentencePiece sees the text.
class SentencePieceTokenizer : public Tokenizer {
 public:
  /// Trains a model on `lines` (the training split); returns the serialized model (what
  /// save() writes). `what` names the setting in errors ("data.spm_vocab_size = 8000").
  static std::string train(const std::vector<std::string>& lines, const SentencePieceOptions& options,
                           const std::string& what);
  /// Loads a model file; a missing or corrupt file is an error naming it.
  static std::unique_ptr<SentencePieceTokenizer> load(const std::string& path, bool lowercase, float alpha);
  /// From a serialized model (train's result).
  SentencePieceTokenizer(const std::string& serialized, bool lowercase, float alpha, const std::string& name);
  ~SentencePieceTokenizer() override;

  std::vector<std::string> encode(std::string_view text) const override;
  std::vector<std::vector<std::string>> sample(const std::vector<std::string>& texts, uint32_t seed) const override;
  std::string decode(const std::vector<std::string>& tokens) const override;
  std::string reference(std::string_view line) const override;
  std::vector<std::string> vocabulary() const override;
  /// Writes the model file (atomically).
  void save(const std::string& path) const;

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  std::string serialized_, name_;
  bool lowercase_;
  float alpha_;  // subword sampling's smoothing; 0: no sampling
};

}  // namespace mt::data
