// The training loop; see trainer.h.
#include "train/loop/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <thread>

#include "autograd/check.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/random.h"
#include "autograd/threading.h"
#include "data/atomic_file.h"
#include "data/text.h"
#include "train/insight/plots.h"
#include "train/insight/report.h"
#include "train/run/average.h"
#include "train/run/build.h"
#include "train/run/safetensors.h"
#include "train/translate/evaluate.h"

namespace mt {
namespace {

int64_t total_steps(const TrainConfig& t, int64_t batches_per_epoch) {
  const int64_t epochs = t.epochs * batches_per_epoch;
  return t.max_steps > 0 ? std::min(t.max_steps, epochs) : epochs;
}

// The log of a rank other than 0: nothing.
std::ostream& no_log() {
  static std::ostream none(nullptr);
  return none;
}

// train.threads, or the cores this process may use; shared among the ranks of this machine
// when mpirun left every rank all of them (it binds each of 2 ranks to one core by default).
void use_threads(const TrainConfig& t, const Communicator& ranks) {
  if (t.threads > 0) return set_num_threads(static_cast<int>(t.threads));
  if (ranks.local_size() > 1 && num_threads() >= static_cast<int>(std::thread::hardware_concurrency())) {
    set_num_threads(std::max(1, num_threads() / ranks.local_size()));
  }
}

// Micro-batches per step over all ranks: train.accumulate, a multiple of the ranks; 1 under
// mpirun gives each rank one.
int64_t micro_batches(const TrainConfig& t, const Communicator& ranks) {
  const int64_t n = ranks.size(), k = t.accumulate == 1 ? n : t.accumulate;
  MT_CHECK(k % n == 0, "train.accumulate = ", t.accumulate, " is not a multiple of the ", n,
           " ranks (mpirun -np): make it one, or 1 for one micro-batch per rank");
  return k;
}

// The config with train.precision resolved on this CPU: what config.ini keeps and a resume reuses.
Config with_resolved_precision(const Config& config) {
  Config c = config;
  const bool bf16 = resolve_precision(config.train.precision, kTrainPrecision) == Precision::kBf16;
  c.train.precision = bf16 ? TrainPrecision::kBf16 : TrainPrecision::kFp32;
  return c;
}

// "bf16 products (train.precision = auto: oneDNN 2.6.3 (avx512_core_amx))"
std::string precision_text(const Config& asked) {
  const Precision p = matmul_precision();
  const bool chosen = asked.train.precision == TrainPrecision::kAuto;
  return str(precision_name(p), " products", chosen ? str(" (train.precision = auto: ", matmul_library(), ")") : "");
}

}  // namespace

Trainer::Trainer(const Config& config, Start start, std::ostream& log)
    : config_(with_resolved_precision(config)),
      precision_(config_.train.precision == TrainPrecision::kBf16 ? Precision::kBf16 : Precision::kFp32),
      ranks_(Communicator::world()), run_(config_.train.run_dir, start, /*lock=*/ranks_.root()), dir_(run_.path()),
      out_(ranks_.root() ? log : no_log()),
      data_(config_, start == Start::kResume, dir_, out_, ranks_),
      model_(build_model(config_, data_.codec())),
      optimizer_(build_optimizer(config_.optim, model_->parameters())),
      average_(config_.train.ema > 0.0f ? std::make_unique<WeightAverage>(model_->parameters(), config_.train.ema)
                                        : nullptr),
      schedule_{.kind = config_.optim.schedule, .lr = config_.optim.lr, .warmup = config_.optim.warmup,
                .total = config_.train.max_steps},
      mask_checker_(*model_, data::Vocab::kPad), health_(*model_) {
  use_threads(config.train, ranks_);
  micro_batches_ = micro_batches(config.train, ranks_);
  if (micro_batches_ > 1) gradients_ = std::make_unique<GradientSum>(model_->parameters());
  const auto batches_per_epoch = static_cast<int64_t>(epoch_batches().size());  // of epoch 0, kept for the first
  state_.random_seed = random_seed();
  double elapsed_before = 0.0;  // training time of the runs before a resume
  if (start == Start::kResume) {
    state_ = load_checkpoint(dir_, *model_, *optimizer_, average_.get());
    if (state_.batch_in_epoch >= static_cast<int64_t>(epoch_batches().size())) {
      ++state_.epoch;  // saved at the end of an epoch (as earlier versions did)
      state_.batch_in_epoch = 0;
    }
    set_random_state(state_.random_seed, state_.random_counter);
    saved_step_ = first_step_ = state_.step;
    if (ranks_.root()) elapsed_before = RunLog::cut_for_resume(run_file(dir_, "metrics.jsonl"), state_.step);
    if (ranks_.root()) remove_snapshots_after(dir_, state_.step);  // the steps this run redoes
    out_ << "resumed " << dir_ << " at step " << state_.step << " (epoch " << state_.epoch + 1 << ")\n";
  } else if (ranks_.root()) {  // what a run that crashed before its first checkpoint left
    std::filesystem::remove(run_file(dir_, "metrics.jsonl"));
    std::filesystem::remove(run_file(dir_, "best_model.safetensors"));
    prune_kept_checkpoints(dir_, 0);
    remove_snapshots_after(dir_, -1);
  }
  for (const std::string& line : config.deprecations) out_ << line << "\n";
  out_ << "model: " << model_->parameter_count() << " parameters, d_model " << config.model.layer.d_model << ", "
      << config.model.encoder_layers << "+" << config.model.decoder_layers << " layers; "
      << option_name(config.optim.optimizer) << ", " << option_name(config.optim.schedule) << " schedule, peak lr "
      << config.optim.lr << "; " << num_threads() << " threads"
      << (ranks_.size() > 1 ? str(" in each of ", ranks_.size(), " ranks") : "") << ", " << precision_text(config) << "\n";
  if (micro_batches_ > 1) {
    out_ << "steps: each batch is cut into " << micro_batches_ << " micro-batches of about equal tokens"
         << (ranks_.size() > 1 ? str(", ", micro_batches_ / ranks_.size(), " per rank; ", gradients_->bytes(),
                                     " bytes summed over the ranks per step")
                               : str(" (train.accumulate), their gradients added before each update"))
         << "\n";
  }
  const bool terminal = ::isatty(STDERR_FILENO) && &log == &std::cerr && ranks_.root();
  const TrainingBudget budget{.steps = total_steps(config.train, batches_per_epoch),
                              .seconds = 60.0 * config.train.time_limit};
  log_ = std::make_unique<RunLog>(ranks_.root() ? run_file(dir_, "metrics.jsonl") : "", out_, terminal, budget,
                                  elapsed_before);
  next_snapshot_ = snapshot_mark_after(log_->total_elapsed());
  model_->train();
  stop_ = decide_stop();  // a resumed run may have nothing left to do
  if (config.train.check_masks) out_ << "mask checks on: every batch's attention and loss masks are verified\n";
  if (config.train.profile) set_profiling(true);
}

DecodeOptions test_decoding(const Config& c) {
  return {.beam = c.decode.beam, .length_penalty = c.decode.length_penalty, .max_len_a = c.decode.max_len_a,
          .max_len_b = c.decode.max_len_b, .max_tokens = inference_batch_tokens(c.data)};
}

std::string stop_reason_text(StopReason reason) {
  switch (reason) {
    case StopReason::kNone: return "not stopped";
    case StopReason::kMaxSteps: return "train.max_steps reached";
    case StopReason::kEpochs: return "train.epochs done";
    case StopReason::kTimeLimit: return "train.time_limit reached";
    case StopReason::kEarlyStop: return "early stop (train.patience)";
    case StopReason::kRequest: return "stopped on request";
  }
  return "?";
}

bool Trainer::out_of_time() const { return config_.train.time_limit > 0.0f && budget_spent() >= 1.0; }

double Trainer::budget_spent() const {
  return config_.train.time_limit > 0.0f ? log_->total_elapsed() / (60.0 * config_.train.time_limit) : 0.0;
}

const std::vector<std::vector<int64_t>>& Trainer::epoch_batches() {
  epoch_batches_ = &data_.batches(state_.epoch, [&](const std::string& note) {
    log_ ? log_->line(note) : void(out_ << note << "\n");  // the first epoch's: before the log exists
  });
  return *epoch_batches_;
}

// The one decision, once per step, with every rank's votes and rank 0's validation agreed.
StopReason Trainer::decide_stop() const {
  const TrainConfig& t = config_.train;
  if (votes_[kStopVotes] > 0.0) return StopReason::kRequest;
  if (patience_spent_) return StopReason::kEarlyStop;
  if (votes_[kTimeUpVotes] > 0.0) return StopReason::kTimeLimit;
  if (t.max_steps > 0 && state_.step >= t.max_steps) return StopReason::kMaxSteps;
  if (state_.epoch >= t.epochs) return StopReason::kEpochs;
  return StopReason::kNone;
}

void Trainer::after_step(bool updated) {
  if (updated && state_.step % config_.train.valid_every == 0) {
    validate_and_save();
  } else if (votes_[kStopVotes] > 0.0) {
    save();
  }
  if (ranks_.root() && log_->total_elapsed() >= next_snapshot_) write_snapshot();
  stop_ = decide_stop();
}

// The first multiple of train.snapshot_minutes after `seconds` of the training clock (never,
// without snapshots).
double Trainer::snapshot_mark_after(double seconds) const {
  const double every = 60.0 * config_.train.snapshot_minutes;
  return every > 0.0 ? (std::floor(seconds / every) + 1.0) * every : std::numeric_limits<double>::infinity();
}

void Trainer::write_snapshot() {
  const double seconds = log_->total_elapsed(), minutes = seconds / 60.0;
  write_or_stop([&] {
    const AveragedWeights averaged(average_.get());
    save_weights(*model_, run_file(dir_, str("snapshot-", state_.step, ".safetensors")),
                 {{"step", std::to_string(state_.step)}, {"minutes", data::fixed(minutes, 3)}});
    log_->record({{"step", state_.step}, {"snapshot_minutes", minutes}});
  });
  next_snapshot_ = snapshot_mark_after(seconds);
}

void Trainer::validate_and_save() {
  state_.random_counter = random_counter();  // the generator's position after this step
  if (ranks_.root()) validate();  // the other ranks wait, asleep
  patience_spent_ = ranks_.any(patience_spent_);  // early stopping, as rank 0 decided
  write_checkpoint();
}

void Trainer::save() {
  state_.random_counter = random_counter();
  write_checkpoint();
}

void Trainer::write_checkpoint() {
  if (ranks_.root()) write_or_stop([&] { save_checkpoint(dir_, *model_, *optimizer_, average_.get(), state_); });
  if (ranks_.root() && config_.train.keep_last > 0) {
    write_or_stop([&] {  // the weights validation sees, for minitrans average
      const AveragedWeights averaged(average_.get());
      save_weights(*model_, run_file(dir_, str("checkpoint-", state_.step, ".safetensors")),
                   {{"step", std::to_string(state_.step)}});
      prune_kept_checkpoints(dir_, config_.train.keep_last);
    });
  }
  saved_step_ = state_.step;
}

TrainResult Trainer::finish() {
  const bool interrupted = stop_ == StopReason::kRequest;
  TrainResult result{.steps = state_.step, .last_loss = last_loss_, .seconds = log_->elapsed(),
                     .interrupted = interrupted, .skipped_steps = state_.skipped_steps};
  for (const std::string& w : warnings_.summary()) log_->line(w);
  if (stop_ == StopReason::kTimeLimit) {
    log_->line(str("time limit: train.time_limit = ", config_.train.time_limit, " minutes reached"));
  }
  log_->close();
  const int64_t done = state_.step - first_step_;
  if (config_.train.profile) {
    set_profiling(false);
    out_ << "op profile of the " << done << " training steps (forward, backward, optimizer; validation not counted):\n"
         << profile_report(std::max<int64_t>(1, done));
  }
  if (!interrupted && state_.step % config_.train.valid_every != 0) validate_and_save();  // the final state
  if (!ranks_.root()) {
    if (!interrupted) ranks_.barrier();  // stopped: mpirun is ending the job, nothing to wait for
    return result;
  }
  const std::string curves = run_file(dir_, "curves.svg");
  write_or_stop([&] { write_file_atomically(curves, curves_svg(run_file(dir_, "metrics.jsonl"))); });
  result.best_valid_loss = state_.best_valid_loss;
  if (interrupted) {
    out_ << "stopped at step " << state_.step << " on request; checkpoint saved in " << dir_
         << " (continue with: minitrans train --resume " << dir_ << ")\n";
    return result;
  }
  out_ << "trained " << done << " steps" << (first_step_ > 0 ? str(" (to step ", state_.step, ")") : "") << " in "
       << RunLog::clock_text(result.seconds) << " (" << data::fixed(done > 0 ? result.seconds * 1000.0 / done : 0.0, 1)
       << " ms/step); run directory " << dir_ << "\n";
  if (!data_.test().empty()) test(result);
  write_or_stop([&] { log_->record({{"step", state_.step}, {"finished", stop_reason_text(stop_)}}); });
  write_or_stop([&] { write_file_atomically(run_file(dir_, "report.html"), run_report(dir_)); });
  out_ << "report: " << run_file(dir_, "report.html") << "\n";
  ranks_.barrier();  // the other ranks have waited for the test and the report, asleep
  return result;
}

TrainResult train(const Config& config, Start start, std::ostream& log) {
  Trainer trainer(config, start, log);
  while (trainer.running()) {
    const bool updated = trainer.step(trainer.next_batch());
    trainer.after_step(updated);
  }
  return trainer.finish();
}

}  // namespace mt
