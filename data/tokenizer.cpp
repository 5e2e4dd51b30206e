// Tokenizers; see tokenizer.h.
#include "data/tokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "autograd/check.h"
#include "data/atomic_file.h"
#include "data/text.h"

namespace mt::data {
namespace {

// Hands SentencePiece's trainer the training lines from memory (no temporary file).
class LineIterator : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(const std::vector<std::string>& lines) : lines_(lines) {}
  bool done() const override { return at_ >= lines_.size(); }
  void Next() override { ++at_; }
  const std::string& value() const override { return lines_[at_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& lines_;
  size_t at_ = 0;
};

std::string lowered(std::string_view text, bool lower) { return lower ? lowercase(text) : std::string(text); }

// SentencePiece's message without the source location and condition it starts with
// ("./src/trainer_interface.cc(580) [a <= b] Vocabulary size is smaller ...").
std::string message(const sentencepiece::util::Status& status) {
  std::string m = status.message();
  const size_t open = m.find(") [");
  const size_t close = open == std::string::npos ? std::string::npos : m.find("] ", open);
  if (close != std::string::npos && m.find(' ') > open) m.erase(0, close + 2);
  return m;
}

}  // namespace

std::vector<std::vector<std::string>> Tokenizer::sample(const std::vector<std::string>& texts, uint32_t) const {
  std::vector<std::vector<std::string>> out;
  out.reserve(texts.size());
  for (const std::string& t : texts) out.push_back(encode(t));
  return out;
}

std::vector<std::string> WhitespaceTokenizer::encode(std::string_view text) const { return tokenize(text, lowercase_); }

std::string WhitespaceTokenizer::decode(const std::vector<std::string>& tokens) const { return join(tokens); }

std::string WhitespaceTokenizer::reference(std::string_view line) const { return join(encode(line)); }

std::string SentencePieceTokenizer::train(const std::vector<std::string>& lines, const SentencePieceOptions& options,
                                          const std::string& what) {
  const std::unordered_map<std::string, std::string> args = {
      {"model_type", options.model == SubwordModel::kBpe ? "bpe" : "unigram"},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"num_threads", std::to_string(std::max<int64_t>(1, options.threads))},
      {"minloglevel", "2"},  // training reports errors through its status, not the log
  };
  LineIterator input(lines);
  std::string serialized;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &input, &serialized);
  MT_CHECK(status.ok(), "SentencePiece training (", what, ") failed: ", message(status));
  return serialized;
}

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& serialized, bool lowercase, float alpha,
                                               const std::string& name)
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()), serialized_(serialized), name_(name),
      lowercase_(lowercase), alpha_(alpha) {
  const auto status = processor_->LoadFromSerializedProto(serialized);
  MT_CHECK(status.ok(), name, ": not a SentencePiece model (", message(status), ")");
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const std::string& path, bool lowercase,
                                                                     float alpha) {
  std::ifstream in(path, std::ios::binary);
  MT_CHECK(in.good() && !std::filesystem::is_directory(path), path, ": cannot open the SentencePiece model");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  MT_CHECK(!bytes.str().empty(), path, ": the SentencePiece model file is empty");
  return std::make_unique<SentencePieceTokenizer>(bytes.str(), lowercase, alpha, path);
}

std::vector<std::string> SentencePieceTokenizer::encode(std::string_view text) const {
  std::vector<std::string> pieces;
  const auto status = processor_->Encode(lowered(text, lowercase_), &pieces);
  MT_CHECK(status.ok(), name_, ": SentencePiece cannot encode a line (", message(status), ")");
  return pieces;
}

// SentencePiece draws from a generator of its own, one per thread, seeded from its global seed
// when the thread first samples. A fresh thread per call, seeded first, makes the draws a
// function of `seed` alone: the same on a resumed run as on an uninterrupted one.
std::vector<std::vector<std::string>> SentencePieceTokenizer::sample(const std::vector<std::string>& texts,
                                                                     uint32_t seed) const {
  if (alpha_ <= 0.0f) return Tokenizer::sample(texts, seed);
  std::vector<std::vector<std::string>> out(texts.size());
  std::string failure;
  sentencepiece::SetRandomGeneratorSeed(seed == 0xFFFFFFFFu ? 1u : seed);  // ~0u means "random" to it
  std::thread worker([&] {
    for (size_t i = 0; i < texts.size() && failure.empty(); ++i) {
      const auto status = processor_->SampleEncode(lowered(texts[i], lowercase_), -1, alpha_, &out[i]);
      if (!status.ok()) failure = message(status);
    }
  });
  worker.join();
  MT_CHECK(failure.empty(), name_, ": SentencePiece cannot sample a segmentation (", failure, ")");
  return out;
}

std::string SentencePieceTokenizer::decode(const std::vector<std::string>& tokens) const {
  std::string text;
  const auto status = processor_->Decode(tokens, &text);
  MT_CHECK(status.ok(), name_, ": SentencePiece cannot decode (", message(status), ")");
  return text;
}

std::string SentencePieceTokenizer::reference(std::string_view line) const { return lowered(line, lowercase_); }

std::vector<std::string> SentencePieceTokenizer::vocabulary() const {
  std::vector<std::string> pieces;
  for (int id = 0; id < processor_->GetPieceSize(); ++id) {
    if (!processor_->IsControl(id) && !processor_->IsUnknown(id)) pieces.push_back(processor_->IdToPiece(id));
  }
  return pieces;
}

void SentencePieceTokenizer::save(const std::string& path) const { write_file_atomically(path, serialized_); }

}  // namespace mt::data
