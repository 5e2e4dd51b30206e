// The training loop; see trainer.h.
#include "train/loop/trainer.h"

#include <unistd.h>

#include <csignal>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "autograd/check.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/random.h"
#include "autograd/threading.h"
#include "data/atomic_file.h"
#include "data/text.h"
#include "train/insight/plots.h"
#include "train/insight/report.h"
#include "train/run/safetensors.h"
#include "train/translate/evaluate.h"

namespace mt {
namespace {

volatile std::sig_atomic_t g_stop_requested = 0;

int64_t total_steps(const TrainConfig& t, int64_t batches_per_epoch) {
  const int64_t epochs = t.epochs * batches_per_epoch;
  return t.max_steps > 0 ? std::min(t.max_steps, epochs) : epochs;
}

}  // namespace

void request_stop() { g_stop_requested = 1; }
void clear_stop_request() { g_stop_requested = 0; }

Trainer::Trainer(const Config& config, bool resume, std::ostream& log)
    : config_(config), dir_(create_run_dir(config.train.run_dir)), out_(log),
      data_(load_run_data(config, resume, dir_, log)),
      model_(build_model(config, data_)),
      optimizer_(build_optimizer(config.optim, model_.parameters())),
      average_(config.train.ema > 0.0f ? std::make_unique<WeightAverage>(model_.parameters(), config.train.ema)
                                       : nullptr),
      schedule_{.kind = config.optim.schedule, .lr = config.optim.lr, .warmup = config.optim.warmup,
                .total = config.train.max_steps},
      batcher_(data_.examples, config.data.max_tokens, static_cast<uint64_t>(config.train.seed)),
      mask_checker_(model_, data::Vocab::kPad), health_(model_) {
  if (config.train.threads > 0) set_num_threads(static_cast<int>(config.train.threads));
  const auto batches_per_epoch = static_cast<int64_t>(epoch_batches().size());  // of epoch 0, kept for the first
  state_.random_seed = random_seed();
  double elapsed_before = 0.0;  // training time of the runs before a resume
  if (resume) {
    state_ = load_checkpoint(dir_, model_, *optimizer_, average_.get());
    if (state_.batch_in_epoch >= static_cast<int64_t>(epoch_batches().size())) {
      ++state_.epoch, state_.batch_in_epoch = 0;  // saved at the end of an epoch (as earlier versions did)
    }
    set_random_state(state_.random_seed, state_.random_counter);
    saved_step_ = first_step_ = state_.step;
    elapsed_before = RunLog::cut_for_resume(run_file(dir_, "metrics.jsonl"), state_.step);
    log << "resumed " << dir_ << " at step " << state_.step << " (epoch " << state_.epoch + 1 << ")\n";
  } else {
    std::filesystem::remove(run_file(dir_, "metrics.jsonl"));
    std::filesystem::remove(run_file(dir_, "best_model.safetensors"));
  }
  log << "model: " << model_.parameter_count() << " parameters, d_model " << config.model.layer.d_model << ", "
      << config.model.encoder_layers << "+" << config.model.decoder_layers << " layers; "
      << option_name(config.optim.optimizer) << ", " << option_name(config.optim.schedule) << " schedule, peak lr "
      << config.optim.lr << "; " << num_threads() << " threads\n";
  const bool terminal = ::isatty(STDERR_FILENO) && &log == &std::cerr;
  log_ = std::make_unique<RunLog>(run_file(dir_, "metrics.jsonl"), log, terminal,
                                  total_steps(config.train, batches_per_epoch), elapsed_before);
  model_.train();
  if (config.train.check_masks) log << "mask checks on: every batch's attention and loss masks are verified\n";
  if (config.train.profile) set_profiling(true);
}

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

bool Trainer::running() const {
  const TrainConfig& t = config_.train;
  return !stop_ && !out_of_time() && state_.epoch < t.epochs && (t.max_steps == 0 || state_.step < t.max_steps);
}

bool Trainer::out_of_time() const {
  return config_.train.time_limit > 0.0f && log_->total_elapsed() >= 60.0 * config_.train.time_limit;
}

const std::vector<std::vector<int64_t>>& Trainer::epoch_batches() {
  if (loaded_epoch_ != state_.epoch) {
    const double drawn = sample_epoch(config_, state_.epoch, data_);  // subword sampling: this epoch's pieces
    if (data_.sampled) {
      const std::string note = str("epoch ", state_.epoch + 1, ": segmentations sampled in ", drawn, " s");
      log_ ? log_->line(note) : void(out_ << note << "\n");  // the first epoch's: before the log exists
    }
    epoch_batches_ = batcher_.epoch_batches(state_.epoch);
    loaded_epoch_ = state_.epoch;
  }
  return epoch_batches_;
}

data::Batch Trainer::next_batch() { return data::make_batch(data_.examples, epoch_batches()[state_.batch_in_epoch]); }

nn::TargetLogits Trainer::forward(const data::Batch& b, bool health_now) {
  // Watchers of this forward pass: the mask checks, and the health monitor on log steps.
  nn::ObserverList watchers;
  if (config_.train.check_masks) watchers.add(mask_checker_);
  if (health_now) watchers.add(health_);
  std::optional<nn::ObserverScope> watching;
  if (!watchers.empty()) watching.emplace(watchers);
  return model_.forward_targets(b.src, b.src_layout, b.tgt_in, b.tgt_layout, b.tgt_out);
}

bool Trainer::step(const data::Batch& batch) {
  const TrainConfig& t = config_.train;
  const OptimConfig& o = config_.optim;
  const bool health_now = t.health && (state_.step + 1) % t.log_every == 0;
  // The position after this batch: where a checkpoint written after the step resumes.
  if (++state_.batch_in_epoch >= static_cast<int64_t>(epoch_batches_.size())) ++state_.epoch, state_.batch_in_epoch = 0;

  const nn::TargetLogits out = forward(batch, health_now);  // logits [R, V] at the R non-pad targets
  int64_t counted = 0;
  const Tensor loss = cross_entropy(out.logits, out.targets, data::Vocab::kPad, o.label_smoothing, &counted);
  if (t.check_masks) MaskChecker::check_loss(batch.tgt_out, counted, data::Vocab::kPad, batch.tgt_in.shape[0]);
  optimizer_->zero_grad();
  loss.backward();
  if (health_now) health_.read_gradients();
  const double norm = o.clip_norm > 0.0f ? clip_grad_norm(model_.parameters(), o.clip_norm)
                                         : gradient_norm(model_.parameters());
  if (!std::isfinite(loss.item()) || !std::isfinite(norm)) {  // never let a NaN or Inf reach the weights
    skip(std::isfinite(loss.item()) ? str("gradient norm is ", norm) : str("loss is ", loss.item()));
    return false;
  }
  const float lr = schedule_.at(state_.step + 1);
  optimizer_->set_lr(lr);
  if (health_now) health_.before_step();
  optimizer_->step();
  ++state_.step;
  if (average_) average_->update(state_.step);
  if (health_now) {
    const HealthReport report = health_.after_step(state_.step, lr);
    log_->line(report.summary());
    for (const std::string& w : warnings_.note(report)) log_->line(w);
    write_or_stop([&] { log_->record(report.json()); });
  }
  last_loss_ = loss.item();
  const bool log_now = state_.step % t.log_every == 0 || !running();
  write_or_stop([&] { log_->step(state_.step, loaded_epoch_ + 1, last_loss_, lr, batch.tgt_tokens, log_now); });
  return true;
}

void Trainer::skip(const std::string& what) {
  MT_CHECK(config_.train.nonfinite == NonFinite::kSkip, "step ", state_.step + 1, ": the ", what,
           " (train.nonfinite = stop); the last checkpoint in ", dir_, " is untouched");
  ++state_.skipped_steps;
  optimizer_->zero_grad();
  log_->line(str("step ", state_.step + 1, ": the ", what, ", skipped (", state_.skipped_steps, " so far)"));
  write_or_stop([&] {
    log_->record({{"step", state_.step + 1}, {"skipped", what}, {"skipped_steps", state_.skipped_steps}});
  });
}

void Trainer::checkpoint_if_due() {
  if (g_stop_requested) stop_ = interrupted_ = true;
  if (state_.step % config_.train.valid_every == 0) {
    validate_and_save();
  } else if (interrupted_) {
    save();
  }
}

void Trainer::validate_and_save() {
  state_.random_counter = random_counter();  // the generator's position after this step
  validate();
  write_checkpoint();
}

void Trainer::validate() {
  const ProfilePause not_a_training_step;
  const TrainConfig& t = config_.train;
  if (data_.valid.empty()) return;
  const AveragedWeights averaged(average_.get());  // validate, and keep as best, the average
  const double loss = teacher_forced_loss(model_, data_.codec, data_.valid, config_.data.max_tokens);
  double bleu = -1.0;
  const auto sentences = std::min<int64_t>(t.valid_bleu_sentences, data_.valid.size());
  if (sentences > 0) {
    const std::vector<data::SentencePair> pairs(data_.valid.begin(), data_.valid.begin() + sentences);
    const DecodeOptions decode{.beam = 1, .max_len = config_.decode.max_len, .max_tokens = 4 * config_.data.max_tokens};
    const EvalResult e = evaluate(model_, data_.codec, pairs, decode);
    bleu = e.bleu.score;
    nlohmann::ordered_json samples = nlohmann::ordered_json::array();  // a few translations, for the run report
    for (size_t i = 0; i < std::min<size_t>(3, e.hypotheses.size()); ++i) {
      samples.push_back({{"src", pairs[i].src_text}, {"ref", e.references[i]}, {"hyp", e.hypotheses[i]}});
    }
    write_or_stop([&] { log_->record({{"step", state_.step}, {"samples", samples}}); });
  }
  const bool best = loss < state_.best_valid_loss;
  if (best) {
    state_.best_valid_loss = loss;
    state_.bad_validations = 0;
    write_or_stop([&] {
      save_weights(model_, run_file(dir_, "best_model.safetensors"), {{"step", std::to_string(state_.step)}});
    });
  } else {
    ++state_.bad_validations;
  }
  char line[256];
  std::snprintf(line, sizeof(line), "valid  step %lld  loss %.4f  ppl %.2f  BLEU %.2f%s", (long long)state_.step, loss,
                std::exp(loss), bleu, best ? "  (best, saved)" : "");
  log_->line(line);
  write_or_stop([&] {
    log_->record({{"step", state_.step}, {"valid_loss", loss}, {"valid_ppl", std::exp(loss)}, {"valid_bleu", bleu}});
  });
  if (t.patience > 0 && state_.bad_validations >= t.patience) {
    log_->line(str("early stop: no better validation loss in ", t.patience, " validations"));
    stop_ = true;
  }
}

void Trainer::save() {
  state_.random_counter = random_counter();
  write_checkpoint();
}

void Trainer::write_checkpoint() {
  write_or_stop([&] { save_checkpoint(dir_, model_, *optimizer_, average_.get(), state_); });
  saved_step_ = state_.step;
}

TrainResult Trainer::finish() {
  TrainResult result{.steps = state_.step, .last_loss = last_loss_, .seconds = log_->elapsed(),
                     .interrupted = interrupted_, .skipped_steps = state_.skipped_steps};
  for (const std::string& w : warnings_.summary()) log_->line(w);
  if (out_of_time()) log_->line(str("time limit: train.time_limit = ", config_.train.time_limit, " minutes reached"));
  log_->close();
  const int64_t done = state_.step - first_step_;
  if (config_.train.profile) {
    set_profiling(false);
    out_ << "op profile of the " << done << " training steps (forward, backward, optimizer; validation not counted):\n"
         << profile_report(std::max<int64_t>(1, done));
  }
  if (!interrupted_ && state_.step % config_.train.valid_every != 0) validate_and_save();  // the final state
  const std::string curves = run_file(dir_, "curves.svg");
  write_or_stop([&] { write_file_atomically(curves, curves_svg(run_file(dir_, "metrics.jsonl"))); });
  result.best_valid_loss = state_.best_valid_loss;
  if (interrupted_) {
    out_ << "stopped at step " << state_.step << " on request; checkpoint saved in " << dir_
         << " (continue with: minitrans train --resume " << dir_ << ")\n";
    return result;
  }
  out_ << "trained " << done << " steps" << (first_step_ > 0 ? str(" (to step ", state_.step, ")") : "") << " in "
       << RunLog::clock_text(result.seconds) << " (" << (done > 0 ? result.seconds * 1000.0 / done : 0.0)
       << " ms/step); run directory " << dir_ << "\n";
  if (!data_.test.empty()) test(result);
  write_or_stop([&] { write_file_atomically(run_file(dir_, "report.html"), run_report(dir_)); });
  out_ << "report: " << run_file(dir_, "report.html") << "\n";
  return result;
}

void Trainer::test(TrainResult& result) {
  const LoadedModel best = load_for_inference(dir_);
  const DecodeOptions decode{.beam = config_.decode.beam, .length_penalty = config_.decode.length_penalty,
                             .max_len = config_.decode.max_len, .max_tokens = 4 * config_.data.max_tokens};
  const EvalResult r = evaluate(*best.model, best.codec, data_.test, decode);
  for (int64_t i = 0; i < std::min<int64_t>(config_.train.show_translations, r.sentences); ++i) {
    out_ << "  src: " << data_.test[i].src_text << "\n  ref: " << r.references[i] << "\n  hyp: "
         << r.hypotheses[i] << (r.hypotheses[i] == r.references[i] ? "  (exact)" : "") << "\n";
  }
  out_ << "test: " << eval_text(r) << "\n";
  result.test_bleu = r.bleu.score;
  result.test_chrf = r.chrf.score;
  result.test_exact_match = r.exact_match;
  write_or_stop([&] {
    log_->record({{"step", state_.step}, {"test_bleu", r.bleu.score}, {"test_chrf", r.chrf.score},
                  {"bleu_signature", r.bleu.signature}, {"test_exact_match", r.exact_match},
                  {"test_loss", r.loss}, {"test_sentences", r.sentences}});
  });
}

TrainResult train(const Config& config, bool resume, std::ostream& log) {
  Trainer trainer(config, resume, log);
  while (trainer.running()) {
    const data::Batch batch = trainer.next_batch();
    if (trainer.step(batch)) trainer.checkpoint_if_due();
  }
  return trainer.finish();
}

}  // namespace mt
