// The data path of a run; see training_data.h.
#include "train/loop/training_data.h"

#include <chrono>

#include "autograd/check.h"
#include "autograd/random.h"
#include "data/atomic_file.h"
#include "data/text.h"
#include "train/run/checkpoint.h"
#include "train/run/tokenizers.h"

namespace mt {
namespace {

// The run's own tokenizers and vocabularies, from its directory.
data::Codec load_codec(const Config& c, const std::string& dir) {
  data::Codec codec;
  load_tokenizers(c, dir, codec);
  codec.src_vocab = data::Vocab::load(run_file(dir, "src_vocab.txt"));
  codec.tgt_vocab = data::Vocab::load(run_file(dir, "tgt_vocab.txt"));
  return codec;
}

// The manifest's skip counts, as a sentence.
std::string skipped_text(const PreparedSet& set, const DataConfig& d) {
  data::SkipCounts counts;
  for (size_t r = 0; r < data::kSkipReasons; ++r) {
    counts.count[r] = set.manifest["skipped"].value(data::skip_reason_name(static_cast<data::SkipReason>(r)), int64_t{0});
  }
  return counts.summary(cleaning_options(d));
}

}  // namespace

std::vector<data::TextPair> read_split(const SplitFiles& files) {
  if (!files.tsv.empty()) return data::read_tsv_text(files.tsv);
  if (!files.src.empty()) return data::read_parallel_text(files.src, files.tgt);
  return {};
}

TrainingData::TrainingData(const Config& c, bool resume, const std::string& dir, std::ostream& log,
                           Communicator& ranks)
    : config_(c) {
  const std::vector<data::TextPair> valid = read_split(c.data.valid), test = read_split(c.data.test);  // errors first
  const bool follower = !ranks.root();
  if (follower) ranks.barrier();  // rank 0 has written the run's tokenizers and vocabularies
  const bool own = resume || follower;
  if (own) codec_ = load_codec(c, dir);
  set_ = prepare_training_set(c, own ? &codec_ : nullptr, log);
  if (!own) codec_ = set_.codec;
  if (!follower) {
    if (!own) save_codec(c, codec_, dir);
    write_file_atomically(run_file(dir, "config.ini"), to_ini(c));
    const nlohmann::ordered_json used = {{"prepared_set", set_.dir}, {"read", set_.manifest["read"]},
                                         {"pairs", set_.manifest["pairs"]}, {"skipped", set_.manifest["skipped"]}};
    write_file_atomically(run_file(dir, "data.json"), used.dump(2) + "\n");
    ranks.barrier();  // the tokenizers, vocabularies and config are there for the other ranks
  }
  for (const data::CorpusFiles& corpus : training_corpora(c.data)) weights_.push_back(corpus.weight);
  valid_ = data::tokenize_pairs(valid, *codec_.src_tokenizer, *codec_.tgt_tokenizer);
  test_ = data::tokenize_pairs(test, *codec_.src_tokenizer, *codec_.tgt_tokenizer);
  const bool sampling = c.data.tokenizer == TokenizerKind::kSentencePiece && c.data.spm_alpha > 0.0f;
  if (sampling) keep_text_for_sampling();
  log << "data: " << set_.examples.size() << " training pairs (" << (set_.reused ? "reused" : "made")
      << " prepared set " << set_.dir << "; skipped: " << skipped_text(set_, c.data) << "), " << valid_.size()
      << " validation, " << test_.size() << " test; vocabularies " << codec_.src_vocab.size() << " / "
      << codec_.tgt_vocab.size() << " tokens" << (sampling ? str("; subword sampling, alpha ", c.data.spm_alpha) : "")
      << "\n";
}

void TrainingData::keep_text_for_sampling() {
  text_corpus_first_ = {0};
  for (const data::CorpusFiles& corpus : training_corpora(config_.data)) {
    data::PairReader reader(corpus);
    for (data::TextPair p; reader.next(p);) {
      const auto s = static_cast<int64_t>(codec_.src_tokenizer->encode(p.src).size());
      const auto t = static_cast<int64_t>(codec_.tgt_tokenizer->encode(p.tgt).size());
      if (!data::check_pair(s, t, cleaning_options(config_.data))) sampled_text_.push_back(std::move(p));
    }
    text_corpus_first_.push_back(static_cast<int64_t>(sampled_text_.size()));
  }
}

void TrainingData::draw(int64_t epoch) {
  // One seed per (run seed, epoch, side).
  const auto seed = [&](uint64_t side) {
    const uint64_t counter = static_cast<uint64_t>(epoch) << 1 | side;
    return static_cast<uint32_t>(streams::kSubwordSampling.bits(static_cast<uint64_t>(config_.train.seed), counter));
  };
  std::vector<data::Example> examples;
  std::vector<int64_t> corpus_first = {0};
  for (size_t c = 0; c + 1 < text_corpus_first_.size(); ++c) {
    std::vector<std::string> src_text, tgt_text;
    for (int64_t i = text_corpus_first_[c]; i < text_corpus_first_[c + 1]; ++i) {
      src_text.push_back(sampled_text_[i].src);
      tgt_text.push_back(sampled_text_[i].tgt);
    }
    const auto src = codec_.src_tokenizer->sample(src_text, seed(0));
    const auto tgt = codec_.tgt_tokenizer->sample(tgt_text, seed(1));
    std::vector<data::SentencePair> drawn(src.size());
    for (size_t i = 0; i < drawn.size(); ++i) {
      drawn[i].src = src[i];
      drawn[i].tgt = tgt[i];
    }
    for (data::Example& e : data::encode_pairs(drawn, codec_.src_vocab, codec_.tgt_vocab, config_.data.max_len, nullptr)) {
      examples.push_back(std::move(e));
    }
    corpus_first.push_back(static_cast<int64_t>(examples.size()));
  }
  MT_CHECK(!examples.empty(), "data: every sampled training pair is longer than data.max_len");
  drawn_ = data::Examples::in_memory(examples, std::move(corpus_first));
}

const std::vector<std::vector<int64_t>>& TrainingData::batches(int64_t epoch,
                                                                const std::function<void(const std::string&)>& note) {
  if (epoch != epoch_) {
    if (sampled()) {
      const auto start = std::chrono::steady_clock::now();
      draw(epoch);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      note(str("epoch ", epoch + 1, ": segmentations sampled in ", data::seconds_text(seconds)));
    }
    const data::Batcher batcher(examples(), config_.data.max_tokens, static_cast<uint64_t>(config_.train.seed), weights_);
    batches_ = batcher.epoch_batches(epoch);
    epoch_ = epoch;
  }
  return batches_;
}

}  // namespace mt
