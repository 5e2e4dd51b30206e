// The tokenizers of a run; see tokenizers.h.
#include "train/run/tokenizers.h"

#include <chrono>
#include <thread>

#include "autograd/check.h"
#include "train/run/checkpoint.h"

namespace mt {
namespace {

bool sentencepiece(const Config& c) { return c.data.tokenizer == TokenizerKind::kSentencePiece; }

std::shared_ptr<data::SentencePieceTokenizer> load_model(const Config& c, const std::string& path) {
  return data::SentencePieceTokenizer::load(path, c.data.lowercase, c.data.spm_alpha);
}

// A model for `lines`: the configured file when given, else trained here.
std::shared_ptr<data::SentencePieceTokenizer> model_for(const Config& c, const std::string& given,
                                                        const std::vector<std::string>& lines, const char* what,
                                                        std::ostream& log) {
  if (!given.empty()) return load_model(c, given);
  const DataConfig& d = c.data;
  const auto start = std::chrono::steady_clock::now();
  const data::SentencePieceOptions options{
      .model = d.spm_type, .vocab_size = d.spm_vocab_size, .character_coverage = d.spm_character_coverage,
      .threads = c.train.threads > 0 ? c.train.threads : std::max(1u, std::thread::hardware_concurrency())};
  const std::string serialized =
      data::SentencePieceTokenizer::train(lines, options, str("data.spm_vocab_size = ", d.spm_vocab_size, ", ", what));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log << "tokenizer: trained a " << d.spm_vocab_size << "-piece SentencePiece " << option_name(d.spm_type)
      << " model on " << lines.size() << " " << what << " lines in " << seconds << " s\n";
  return std::make_shared<data::SentencePieceTokenizer>(serialized, d.lowercase, d.spm_alpha, what);
}

}  // namespace

void load_tokenizers(const Config& c, const std::string& dir, data::Codec& codec) {
  if (!sentencepiece(c)) {
    codec.src_tokenizer = codec.tgt_tokenizer = std::make_shared<data::WhitespaceTokenizer>(c.data.lowercase);
  } else if (c.data.shared_vocab) {
    codec.src_tokenizer = codec.tgt_tokenizer = load_model(c, run_file(dir, "spm.model"));
  } else {
    codec.src_tokenizer = load_model(c, run_file(dir, "src.spm.model"));
    codec.tgt_tokenizer = load_model(c, run_file(dir, "tgt.spm.model"));
  }
}

void prepare_tokenizers(const Config& c, const std::vector<data::TextPair>& train, const std::string& dir,
                        data::Codec& codec, std::ostream& log) {
  if (!sentencepiece(c)) return load_tokenizers(c, dir, codec);
  std::vector<std::string> src, tgt;
  for (const data::TextPair& p : train) {
    src.push_back(p.src);
    (c.data.shared_vocab ? src : tgt).push_back(p.tgt);
  }
  if (c.data.shared_vocab) {
    const auto joint = model_for(c, c.data.spm_model, src, "source and target", log);
    if (!dir.empty()) joint->save(run_file(dir, "spm.model"));
    codec.src_tokenizer = codec.tgt_tokenizer = joint;
    return;
  }
  const auto src_model = model_for(c, c.data.spm_src_model, src, "source", log);
  const auto tgt_model = model_for(c, c.data.spm_tgt_model, tgt, "target", log);
  if (!dir.empty()) {
    src_model->save(run_file(dir, "src.spm.model"));
    tgt_model->save(run_file(dir, "tgt.spm.model"));
  }
  codec.src_tokenizer = src_model;
  codec.tgt_tokenizer = tgt_model;
}

}  // namespace mt
