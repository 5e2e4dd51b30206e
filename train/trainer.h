// The training loop: data, vocabularies, model, optimizer and schedule from a Config; steps by
// epochs or max_steps; progress on a terminal (plain log lines otherwise); validation loss and
// BLEU every valid_every steps with a checkpoint, the best weights kept, early stopping; an exact
// resume from a run directory; at the end, test translations and scores. Read next: main.cpp.
#pragma once

#include <ostream>
#include <string>

#include "data/parallel_corpus.h"
#include "data/vocab.h"
#include "train/config.h"

namespace mt {

struct TrainResult {
  int64_t steps = 0;
  double last_loss = 0.0;      // the last step's training loss
  double best_valid_loss = 0.0;
  double test_bleu = -1.0, test_exact_match = -1.0;  // -1 without a test split
  double seconds = 0.0;        // training time (without data loading and the final test)
  bool interrupted = false;    // stopped early by request_stop(); the checkpoint is saved
  int64_t skipped_steps = 0;   // non-finite steps skipped (train.nonfinite = skip)
};

/// Asks a running train() to finish its step, save a checkpoint and return (signal-safe: the
/// command calls it from its SIGINT and SIGTERM handlers).
void request_stop();
/// Withdraws a stop request (for the next run in the same process).
void clear_stop_request();

/// Trains as `config` says. With resume, continues the run in config.train.run_dir from its
/// checkpoint (its vocabularies, weights, optimizer state, data position and random state).
TrainResult train(const Config& config, bool resume, std::ostream& log);

/// The pairs of one split ("train", "valid" or "test") as the config's data options name them
/// (empty when the split is not configured).
std::vector<data::SentencePair> read_split(const DataConfig& d, const std::string& split);
/// The vocabularies training builds from its training pairs (data.min_freq, max_vocab, shared_vocab).
void build_vocabularies(const Config& config, const std::vector<data::SentencePair>& train_pairs,
                        data::Vocab& src_vocab, data::Vocab& tgt_vocab);

}  // namespace mt
