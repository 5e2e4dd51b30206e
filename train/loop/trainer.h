// The training loop. train() reads top to bottom: a Trainer is built from a Config (the run
// directory, claimed by this process; the data path, training_data.h; the model, optimizer,
// schedule, and the checkpoint when resuming), then takes one batch after another;
// Trainer::step is forward, loss, backward, clip, the non-finite policy and the update, as
// llm.c's loop, and after_step() validates and saves when due and decides, in one place, whether
// and why to stop (StopReason). With train.accumulate or under mpirun a step's batch is cut into
// micro-batches whose gradients are summed (across the ranks too, ../distributed/gradient_sum.h)
// before the one update, which every rank then makes alike. Every valid_every steps validate()
// scores the model (loss and BLEU, best weights kept, early stopping; the weight average stands
// in for the weights there with train.ema) and save() writes a checkpoint: on rank 0, which
// alone writes. The log, the progress bar and metrics.jsonl belong to the RunLog (run_log.h).
// Read next: ../cli/main.cpp.
#pragma once

#include <array>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "autograd/check.h"
#include "autograd/precision.h"
#include "data/batcher.h"
#include "data/parallel_corpus.h"
#include "data/vocab.h"
#include "train/insight/health.h"
#include "train/distributed/gradient_sum.h"
#include "train/insight/mask_check.h"
#include "train/loop/run_log.h"
#include "train/loop/training_data.h"
#include "train/optim/optimizer.h"
#include "train/optim/schedule.h"
#include "train/optim/weight_average.h"
#include "train/run/checkpoint.h"
#include "train/run/config.h"
#include "train/run/run_directory.h"
#include "train/translate/decode.h"

namespace mt {

/// How the final test decodes: the config's [decode] options, batches of 4 · data.max_tokens.
DecodeOptions test_decoding(const Config& config);

/// Why training stopped (kNone: it goes on).
enum class StopReason { kNone, kMaxSteps, kEpochs, kTimeLimit, kEarlyStop, kRequest };
/// "train.max_steps reached", ...: the reason as the log and metrics.jsonl say it.
std::string stop_reason_text(StopReason reason);

struct TrainResult {
  int64_t steps = 0;
  double last_loss = 0.0;      // the last step's training loss
  double best_valid_loss = 0.0;
  double test_bleu = -1.0, test_chrf = -1.0, test_exact_match = -1.0;  // -1 without a test split
  double seconds = 0.0;        // training time (without data loading and the final test)
  bool interrupted = false;    // stopped early by request_stop(); the checkpoint is saved
  int64_t skipped_steps = 0;   // non-finite steps skipped (train.nonfinite = skip)
};

/// Trains as `config` says. Start::kResume continues the run in config.train.run_dir from its
/// checkpoint (its vocabularies, weights, optimizer state, data position and random state);
/// Start::kNew refuses a directory that holds a run, Start::kOverwrite replaces it
/// (run_directory.h). Under mpirun every rank calls it; rank 0 alone writes the run directory
/// and the log.
TrainResult train(const Config& config, Start start, std::ostream& log);

/// This rank's share of one step: its micro-batches of the step's batch (train.accumulate cuts
/// it into parts of about equal tokens; rank r of N takes the r-th N-th of them), with their
/// numbers among the step's micro-batches (the keys of their dropout draws), and the target
/// count of the whole batch (every rank builds the same batches, so it needs no communication).
struct StepBatch {
  std::vector<data::Batch> micro;
  std::vector<int64_t> ids;
  int64_t tgt_tokens = 0;
};

class Trainer {
 public:
  Trainer(const Config& config, Start start, std::ostream& log);

  /// Whether there is a next batch: after_step() decided no reason to stop.
  bool running() const { return stop_ == StopReason::kNone; }
  /// This rank's share of the batch at the data position (the same sequence on a resumed run).
  StepBatch next_batch();
  /// One update on the step's batch, every rank's micro-batches summed; false when its loss or
  /// gradient was not finite and the update was skipped (train.nonfinite = skip; with stop, that
  /// throws). Moves the data position on.
  bool step(const StepBatch& batch);
  /// After a step (`updated`: step()'s result): validation and a checkpoint every valid_every
  /// steps, a checkpoint on a stop request; then the one decision whether to stop, and why.
  void after_step(bool updated);
  /// Validation loss and BLEU, the best weights, the early-stopping count.
  void validate();
  /// Writes a checkpoint of the current state.
  void save();
  /// Both, with the random state as it was before validating.
  void validate_and_save();
  /// After the last step: the final validation and checkpoint, curves, test scores, the report.
  TrainResult finish();

 private:
  // Runs `write`; a failure (disk full) names the step, the file and the checkpoint that is kept.
  template <typename Write>
  void write_or_stop(const Write& write);
  /// The batches of the epoch in progress, computed once per epoch.
  const std::vector<std::vector<int64_t>>& epoch_batches();
  StopReason decide_stop() const;
  nn::TargetLogits forward(const data::Batch& batch, bool health_now);
  // Forward and backward of this rank's micro-batches; returns the sum of their losses.
  double micro_steps(const StepBatch& batch, bool health_now);
  // Sums the micro-batches' gradients over the ranks, and the step's scalars (steps_ below).
  double sum_over_ranks(double loss);
  bool out_of_time() const;  // train.time_limit reached
  double budget_spent() const;  // the share of train.time_limit used, 0 without one
  void write_checkpoint();
  // train.snapshot_minutes: the weights validation sees, after the step that crosses a mark.
  double snapshot_mark_after(double seconds) const;
  void write_snapshot();
  void skip(const std::string& what);
  void test(TrainResult& result);

  // A step's scalars, summed over the ranks: the loss, the ranks' votes to stop, and rank 0's
  // share of the time budget spent (the other ranks add 0), which a schedule may decay over.
  enum StepScalar : size_t { kLossSum, kStopVotes, kTimeUpVotes, kBudgetSpent, kStepScalars };

  const Config config_;            // as given, with train.precision resolved: fp32 or bf16, never auto
  const PrecisionGuard precision_;  // the products' number format while the trainer lives
  Communicator& ranks_;
  const RunDirectory run_;  // rank 0 holds its lock
  const std::string dir_;
  std::ostream& out_;
  TrainingData data_;
  std::unique_ptr<nn::Transformer> model_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<WeightAverage> average_;  // with train.ema
  int64_t micro_batches_ = 1;              // per step, over all ranks
  std::unique_ptr<GradientSum> gradients_;  // with more than one micro-batch
  Schedule schedule_;
  TrainingState state_;
  const std::vector<std::vector<int64_t>>* epoch_batches_ = nullptr;  // of the epoch in progress
  int64_t first_step_ = 0, saved_step_ = -1;
  std::unique_ptr<RunLog> log_;
  MaskChecker mask_checker_;
  HealthMonitor health_;
  WarningLog warnings_;
  double last_loss_ = 0.0;
  std::array<double, kStepScalars> votes_{};  // the last step's sums over the ranks
  double next_snapshot_ = 0.0;   // seconds of the training clock (resumed runs' included)
  bool patience_spent_ = false;  // early stopping, as rank 0's validation decided for every rank
  StopReason stop_ = StopReason::kNone;
};

template <typename Write>
void Trainer::write_or_stop(const Write& write) {
  try {
    write();
  } catch (const Error& e) {
    throw Error(str("step ", state_.step, ": ", e.what(), "; ",
                    saved_step_ >= 0 ? str("the checkpoint of step ", saved_step_, " in ", dir_, " is kept")
                                     : std::string("no checkpoint was saved yet")));
  }
}

}  // namespace mt
