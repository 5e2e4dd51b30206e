// The corpus of a run; see run_data.h.
#include "train/loop/run_data.h"

#include <chrono>

#include "autograd/check.h"
#include "autograd/random.h"
#include "data/atomic_file.h"
#include "train/run/checkpoint.h"
#include "train/run/tokenizers.h"

namespace mt {

std::vector<data::TextPair> read_split(const DataConfig& d, const std::string& split) {
  const std::string& src = split == "train" ? d.train_src : split == "valid" ? d.valid_src : d.test_src;
  const std::string& tgt = split == "train" ? d.train_tgt : split == "valid" ? d.valid_tgt : d.test_tgt;
  const std::string& tsv = split == "train" ? d.train_tsv : split == "valid" ? d.valid_tsv : d.test_tsv;
  if (!tsv.empty()) return data::read_tsv_text(tsv);
  if (!src.empty()) return data::read_parallel_text(src, tgt);
  return {};
}

void build_vocabularies(const Config& config, const std::vector<data::SentencePair>& train_pairs, data::Codec& codec) {
  const DataConfig& d = config.data;
  if (const std::vector<std::string> pieces = codec.src_tokenizer->vocabulary(); !pieces.empty()) {
    codec.src_vocab = data::Vocab::from_tokens(pieces);
    codec.tgt_vocab = d.shared_vocab ? codec.src_vocab : data::Vocab::from_tokens(codec.tgt_tokenizer->vocabulary());
    return;
  }
  std::vector<std::vector<std::string>> src_sentences, tgt_sentences;
  for (const auto& p : train_pairs) {
    src_sentences.push_back(p.src);
    (d.shared_vocab ? src_sentences : tgt_sentences).push_back(p.tgt);
  }
  codec.src_vocab = data::Vocab::build(src_sentences, d.min_freq, d.max_vocab);
  codec.tgt_vocab = d.shared_vocab ? codec.src_vocab : data::Vocab::build(tgt_sentences, d.min_freq, d.max_vocab);
}

RunData load_run_data(const Config& config, bool resume, const std::string& dir, std::ostream& log,
                      Communicator& ranks) {
  const DataConfig& d = config.data;
  MT_CHECK(!d.train_tsv.empty() || !d.train_src.empty(), "config: give data.train_src and data.train_tgt, or ",
           "data.train_tsv");
  const bool follower = !ranks.root();  // loads what rank 0 wrote, once it has
  RunData r;
  const std::vector<data::TextPair> train_text = read_split(d, "train");
  if (follower) ranks.barrier();
  if (resume || follower) {
    load_tokenizers(config, dir, r.codec);
  } else {
    prepare_tokenizers(config, train_text, dir, r.codec, log);
  }
  const data::Tokenizer &src = *r.codec.src_tokenizer, &tgt = *r.codec.tgt_tokenizer;
  const auto start = std::chrono::steady_clock::now();
  r.train = data::tokenize_pairs(train_text, src, tgt);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.valid = data::tokenize_pairs(read_split(d, "valid"), src, tgt);
  r.test = data::tokenize_pairs(read_split(d, "test"), src, tgt);
  if (resume || follower) {
    r.codec.src_vocab = data::Vocab::load(run_file(dir, "src_vocab.txt"));
    r.codec.tgt_vocab = data::Vocab::load(run_file(dir, "tgt_vocab.txt"));
  } else {
    build_vocabularies(config, r.train, r.codec);
    r.codec.src_vocab.save(run_file(dir, "src_vocab.txt"));
    r.codec.tgt_vocab.save(run_file(dir, "tgt_vocab.txt"));
  }
  if (!follower) {
    write_file_atomically(run_file(dir, "config.ini"), to_ini(config));
    ranks.barrier();  // the tokenizers, vocabularies and config are there for the other ranks
  }
  int64_t dropped = 0;
  r.examples = data::encode_pairs(r.train, r.codec.src_vocab, r.codec.tgt_vocab, d.max_len, &dropped);
  MT_CHECK(!r.examples.empty(), "data: every training pair is longer than data.max_len = ", d.max_len);
  r.sampled = d.tokenizer == TokenizerKind::kSentencePiece && d.spm_alpha > 0.0f;
  log << "data: " << r.examples.size() << " training pairs (" << dropped << " longer than " << d.max_len
      << " tokens dropped), " << r.valid.size() << " validation, " << r.test.size() << " test; vocabularies "
      << r.codec.src_vocab.size() << " / " << r.codec.tgt_vocab.size() << " tokens"
      << "; the training split tokenized in " << seconds << " s"
      << (r.sampled ? str("; subword sampling, alpha ", d.spm_alpha) : "") << "\n";
  return r;
}

double sample_epoch(const Config& config, int64_t epoch, RunData& data) {
  if (!data.sampled) return 0.0;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> src_text, tgt_text;
  for (const data::SentencePair& p : data.train) src_text.push_back(p.src_text), tgt_text.push_back(p.tgt_text);
  // One seed per (run seed, epoch, side), from the counter-based generator.
  const auto seed = [&](uint64_t side) {
    return static_cast<uint32_t>(random_bits(static_cast<uint64_t>(config.train.seed), 0x5A3Dull << 40 | static_cast<uint64_t>(epoch) << 1 | side));
  };
  const auto src = data.codec.src_tokenizer->sample(src_text, seed(0));
  const auto tgt = data.codec.tgt_tokenizer->sample(tgt_text, seed(1));
  std::vector<data::SentencePair> drawn(data.train.size());
  for (size_t i = 0; i < drawn.size(); ++i) drawn[i].src = src[i], drawn[i].tgt = tgt[i];
  data.examples = data::encode_pairs(drawn, data.codec.src_vocab, data.codec.tgt_vocab, config.data.max_len, nullptr);
  MT_CHECK(!data.examples.empty(), "data: every sampled training pair is longer than data.max_len");
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

nn::Transformer build_model(const Config& config, const RunData& data) {
  manual_seed(static_cast<uint64_t>(config.train.seed));
  try {
    return nn::Transformer(model_options(config, data.codec.src_vocab.size(), data.codec.tgt_vocab.size()));
  } catch (const Error& e) {
    const nn::LayerOptions& l = config.model.layer;
    throw Error(str("model (model.d_model = ", l.d_model, ", model.ff_dim = ", l.ff_dim, ", model.layers = ",
                    config.model.encoder_layers, ", vocabularies ", data.codec.src_vocab.size(), " / ",
                    data.codec.tgt_vocab.size(), "): ", e.what()));
  }
}

std::unique_ptr<Optimizer> build_optimizer(const OptimConfig& o, std::vector<Tensor> params) {
  if (o.optimizer == OptimizerKind::kSgd) {
    return std::make_unique<Sgd>(params, SgdOptions{.lr = o.lr, .momentum = o.momentum, .weight_decay = o.weight_decay});
  }
  const AdamOptions adam{.lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2, .eps = o.eps, .weight_decay = o.weight_decay};
  if (o.optimizer == OptimizerKind::kAdamW) return std::make_unique<AdamW>(params, adam);
  return std::make_unique<Adam>(params, adam);
}

}  // namespace mt
