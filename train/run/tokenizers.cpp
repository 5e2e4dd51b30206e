// The tokenizers of a run; see tokenizers.h.
#include "train/run/tokenizers.h"

#include <chrono>
#include <thread>

#include "autograd/check.h"
#include "data/text.h"
#include "train/run/checkpoint.h"

namespace mt {
namespace {

bool sentencepiece(const Config& c) { return c.data.tokenizer == TokenizerKind::kSentencePiece; }

std::shared_ptr<data::SentencePieceTokenizer> load_model(const Config& c, const std::string& path) {
  return data::SentencePieceTokenizer::load(path, c.data.lowercase, c.data.spm_alpha);
}

// A model for `lines`: the configured file when given, else trained here.
std::shared_ptr<const data::SentencePieceTokenizer> model_for(const Config& c, const std::string& given,
                                                              const std::vector<std::string>& lines, int64_t seen,
                                                              const char* what, std::ostream& log) {
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
      << " model on " << lines.size() << " of " << seen << " " << what << " lines (data.spm_max_lines = "
      << d.spm_max_lines << ") in " << data::seconds_text(seconds) << "\n";
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

void make_tokenizers(const Config& c, const TokenizerLines& lines, data::Codec& codec, std::ostream& log) {
  if (!sentencepiece(c)) return load_tokenizers(c, "", codec);
  if (c.data.shared_vocab) {
    codec.src_tokenizer = codec.tgt_tokenizer = model_for(c, c.data.spm_model, lines.src, lines.src_seen, "source and target", log);
    return;
  }
  codec.src_tokenizer = model_for(c, c.data.spm_src_model, lines.src, lines.src_seen, "source", log);
  codec.tgt_tokenizer = model_for(c, c.data.spm_tgt_model, lines.tgt, lines.tgt_seen, "target", log);
}

void save_codec(const Config& c, const data::Codec& codec, const std::string& dir) {
  if (sentencepiece(c)) {
    const auto& src = dynamic_cast<const data::SentencePieceTokenizer&>(*codec.src_tokenizer);
    const auto& tgt = dynamic_cast<const data::SentencePieceTokenizer&>(*codec.tgt_tokenizer);
    if (c.data.shared_vocab) {
      src.save(run_file(dir, "spm.model"));
    } else {
      src.save(run_file(dir, "src.spm.model"));
      tgt.save(run_file(dir, "tgt.spm.model"));
    }
  }
  codec.src_vocab.save(run_file(dir, "src_vocab.txt"));
  codec.tgt_vocab.save(run_file(dir, "tgt_vocab.txt"));
}

}  // namespace mt
