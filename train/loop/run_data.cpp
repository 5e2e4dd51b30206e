// The corpus of a run; see run_data.h.
#include "train/loop/run_data.h"

#include "autograd/check.h"
#include "autograd/random.h"
#include "data/atomic_file.h"
#include "train/run/checkpoint.h"

namespace mt {

std::vector<data::SentencePair> read_split(const DataConfig& d, const std::string& split) {
  const data::CorpusOptions options{.lowercase = d.lowercase};
  const std::string& src = split == "train" ? d.train_src : split == "valid" ? d.valid_src : d.test_src;
  const std::string& tgt = split == "train" ? d.train_tgt : split == "valid" ? d.valid_tgt : d.test_tgt;
  const std::string& tsv = split == "train" ? d.train_tsv : split == "valid" ? d.valid_tsv : d.test_tsv;
  if (!tsv.empty()) return data::read_tsv(tsv, options);
  if (!src.empty()) return data::read_parallel(src, tgt, options);
  return {};
}

void build_vocabularies(const Config& config, const std::vector<data::SentencePair>& train_pairs,
                        data::Vocab& src_vocab, data::Vocab& tgt_vocab) {
  const DataConfig& d = config.data;
  std::vector<std::vector<std::string>> src_sentences, tgt_sentences;
  for (const auto& p : train_pairs) {
    src_sentences.push_back(p.src);
    (d.shared_vocab ? src_sentences : tgt_sentences).push_back(p.tgt);
  }
  src_vocab = data::Vocab::build(src_sentences, d.min_freq, d.max_vocab);
  tgt_vocab = d.shared_vocab ? src_vocab : data::Vocab::build(tgt_sentences, d.min_freq, d.max_vocab);
}

// The splits, and the vocabularies: built from the training split, or the run's own when resuming.
RunData load_run_data(const Config& config, bool resume, const std::string& dir, std::ostream& log) {
  const DataConfig& d = config.data;
  MT_CHECK(!d.train_tsv.empty() || !d.train_src.empty(), "config: give data.train_src and data.train_tgt, or ",
           "data.train_tsv");
  RunData r;
  r.train = read_split(d, "train");
  r.valid = read_split(d, "valid");
  r.test = read_split(d, "test");
  if (resume) {
    r.src_vocab = data::Vocab::load(run_file(dir, "src_vocab.txt"));
    r.tgt_vocab = data::Vocab::load(run_file(dir, "tgt_vocab.txt"));
  } else {
    build_vocabularies(config, r.train, r.src_vocab, r.tgt_vocab);
    r.src_vocab.save(run_file(dir, "src_vocab.txt"));
    r.tgt_vocab.save(run_file(dir, "tgt_vocab.txt"));
  }
  write_file_atomically(run_file(dir, "config.ini"), to_ini(config));
  int64_t dropped = 0;
  r.examples = data::encode_pairs(r.train, r.src_vocab, r.tgt_vocab, d.max_len, &dropped);
  MT_CHECK(!r.examples.empty(), "data: every training pair is longer than data.max_len = ", d.max_len);
  log << "data: " << r.examples.size() << " training pairs (" << dropped << " longer than " << d.max_len
      << " tokens dropped), " << r.valid.size() << " validation, " << r.test.size() << " test; vocabularies "
      << r.src_vocab.size() << " / " << r.tgt_vocab.size() << " tokens\n";
  return r;
}

nn::Transformer build_model(const Config& config, const RunData& data) {
  manual_seed(static_cast<uint64_t>(config.train.seed));
  try {
    return nn::Transformer(model_options(config, data.src_vocab.size(), data.tgt_vocab.size()));
  } catch (const Error& e) {
    const nn::LayerOptions& l = config.model.layer;
    throw Error(str("model (model.d_model = ", l.d_model, ", model.ff_dim = ", l.ff_dim, ", model.layers = ",
                    config.model.encoder_layers, ", vocabularies ", data.src_vocab.size(), " / ",
                    data.tgt_vocab.size(), "): ", e.what()));
  }
}

}  // namespace mt
