// A run directory holds everything to resume a run exactly or to translate with it:
//   config.ini          the resolved configuration (every option)
//   src_vocab.txt, tgt_vocab.txt
//   model.safetensors   the latest weights        best_model.safetensors  the best on validation
//   optimizer-STEP.safetensors  optimizer state of that step, with the data position, random
//                       state and early-stopping figures in its metadata; model.safetensors
//                       names the step it belongs to, and replacing it commits a checkpoint
//   metrics.jsonl       every logged figure, one JSON object per line
// Every file is written atomically (data/atomic_file.h). Read next: ../loop/trainer.h.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "data/codec.h"
#include "data/vocab.h"
#include "nn/transformer.h"
#include "train/run/config.h"
#include "train/optim/optimizer.h"
#include "train/optim/weight_average.h"

namespace mt {

/// The training loop's own state, beyond weights and optimizer moments.
struct TrainingState {
  int64_t step = 0;            // optimizer steps done
  int64_t epoch = 0;           // the epoch in progress
  int64_t batch_in_epoch = 0;  // the next batch of that epoch
  uint64_t random_seed = 0, random_counter = 0;
  double best_valid_loss = std::numeric_limits<double>::infinity();  // the lowest validation loss so far
  double best_valid_bleu = -1.0, best_valid_chrf = -1.0;             // the highest (-1: none yet)
  int64_t bad_validations = 0;  // since the best on train.best_metric
  int64_t skipped_steps = 0;    // batches whose loss or gradient was not finite (train.nonfinite = skip)
};

std::string run_file(const std::string& run_dir, const std::string& name);
/// Creates the run directory (and its parents) if needed; returns `dir`.
const std::string& create_run_dir(const std::string& dir);

/// Writes the optimizer state and the weight average if there is one (with `state` as
/// metadata), then the weights.
void save_checkpoint(const std::string& run_dir, const nn::Transformer& model, const Optimizer& optimizer,
                     const WeightAverage* average, const TrainingState& state);
/// Restores what save_checkpoint wrote; the two files must carry the same step.
TrainingState load_checkpoint(const std::string& run_dir, nn::Transformer& model, Optimizer& optimizer,
                              WeightAverage* average);

/// A trained model ready to translate: config, tokenizers and vocabularies, the best weights (or the
/// latest if no validation ever ran).
struct LoadedModel {
  Config config;
  data::Codec codec;  // tokenizers and vocabularies
  std::unique_ptr<nn::Transformer> model;
};
LoadedModel load_for_inference(const std::string& run_dir);

}  // namespace mt
