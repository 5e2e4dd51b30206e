// The corpus of a run: its splits as the config's data options name them, the vocabularies
// (built from the training split, or the run's own when resuming) and the encoded training
// examples; and the model built for them. Read next: trainer.h.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "data/parallel_corpus.h"
#include "data/vocab.h"
#include "train/run/config.h"

namespace mt {

/// The pairs of one split ("train", "valid" or "test") as the config's data options name them
/// (empty when the split is not configured).
std::vector<data::SentencePair> read_split(const DataConfig& d, const std::string& split);
/// The vocabularies training builds from its training pairs (data.min_freq, max_vocab, shared_vocab).
void build_vocabularies(const Config& config, const std::vector<data::SentencePair>& train_pairs,
                        data::Vocab& src_vocab, data::Vocab& tgt_vocab);

/// The corpus of a run: its splits, vocabularies and encoded training examples.
struct RunData {
  std::vector<data::SentencePair> train, valid, test;
  data::Vocab src_vocab, tgt_vocab;
  std::vector<data::Example> examples;
};

/// Reads the splits and makes (or, resuming, loads) the vocabularies of the run in `dir`; writes
/// the vocabularies and config.ini there, and logs what it read.
RunData load_run_data(const Config& config, bool resume, const std::string& dir, std::ostream& log);

/// The model of the config for this data, its initial weights drawn from the generator seeded
/// with train.seed; running out of memory is an error naming the model's sizes.
nn::Transformer build_model(const Config& config, const RunData& data);

}  // namespace mt
