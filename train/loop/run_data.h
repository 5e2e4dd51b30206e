// The corpus of a run: its splits as the config's data options name them (plain or .gz), the
// tokenizers and vocabularies (made from the training split, or the run's own when resuming)
// and the encoded training examples; and the model and optimizer built for them. With subword
// sampling the examples are drawn anew for each epoch. Read next: trainer.h.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "data/codec.h"
#include "data/parallel_corpus.h"
#include "train/dist/communicator.h"
#include "train/optim/optimizer.h"
#include "train/run/config.h"

namespace mt {

/// The raw pairs of one split ("train", "valid" or "test") as the config's data options name
/// them (empty when the split is not configured).
std::vector<data::TextPair> read_split(const DataConfig& d, const std::string& split);
/// The vocabularies training makes: the tokenizer's own, or built from the training pairs
/// (data.min_freq, max_vocab, shared_vocab).
void build_vocabularies(const Config& config, const std::vector<data::SentencePair>& train_pairs, data::Codec& codec);

/// The corpus of a run: its splits, tokenizers, vocabularies and encoded training examples.
struct RunData {
  std::vector<data::SentencePair> train, valid, test;
  data::Codec codec;
  std::vector<data::Example> examples;
  bool sampled = false;  // examples are drawn by subword sampling, anew each epoch
};

/// Reads the splits and makes (or, resuming, loads) the tokenizers and vocabularies of the run
/// in `dir`; writes them and config.ini there, and logs what it read. In a job of several ranks
/// rank 0 does that, and the others then load what it wrote (writing nothing).
RunData load_run_data(const Config& config, bool resume, const std::string& dir, std::ostream& log,
                      Communicator& ranks);

/// With subword sampling: the examples of `epoch`, segmentations drawn from a seed of
/// (train.seed, epoch), so a resumed run draws what an uninterrupted one does. Returns the
/// seconds it took (0 without sampling).
double sample_epoch(const Config& config, int64_t epoch, RunData& data);

/// The model of the config for this data, its initial weights drawn from the generator seeded
/// with train.seed; running out of memory is an error naming the model's sizes.
nn::Transformer build_model(const Config& config, const RunData& data);
/// The optimizer optim.optimizer names, over `params`.
std::unique_ptr<Optimizer> build_optimizer(const OptimConfig& o, std::vector<Tensor> params);

}  // namespace mt
