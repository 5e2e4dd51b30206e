// One training step (see trainer.h): this rank's micro-batches, forward and backward each, their
// gradients summed over the ranks, then clipping, the non-finite policy and the update, alike on
// every rank because every rank holds the same summed gradient.
#include <cmath>
#include <optional>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "train/loop/trainer.h"

namespace mt {
namespace {

// The dropout draws of micro-batch `micro` of step `step` come from a seed of their own
// (streams::kDropout), so they are the same whichever rank computes it and whatever ran before.
void key_dropout(int64_t seed, int64_t step, int64_t micro) {
  const uint64_t counter = static_cast<uint64_t>(step) << 24 | static_cast<uint64_t>(micro);
  set_random_state(streams::kDropout.bits(static_cast<uint64_t>(seed), counter), 0);
}

}  // namespace

StepBatch Trainer::next_batch() {
  const std::vector<int64_t>& rows = epoch_batches()[state_.batch_in_epoch];
  const data::Examples& examples = data_.examples();
  const std::vector<std::vector<int64_t>> parts =
      micro_batches_ == 1 ? std::vector<std::vector<int64_t>>{rows} : data::split_by_tokens(examples, rows, micro_batches_);
  const int64_t per_rank = micro_batches_ / ranks_.size();
  StepBatch batch;
  for (int64_t m = 0; m < micro_batches_; ++m) {
    for (int64_t i : parts[m]) batch.tgt_tokens += examples.tgt_len(i) + 1;
    if (m / per_rank != ranks_.rank() || parts[m].empty()) continue;  // rank r: the r-th block of them
    batch.micro.push_back(data::make_batch(examples, parts[m]));
    batch.ids.push_back(m);
  }
  return batch;
}

nn::TargetLogits Trainer::forward(const data::Batch& b, bool health_now) {
  // Watchers of this forward pass: the mask checks, and the health monitor on log steps.
  nn::ObserverList watchers;
  if (config_.train.check_masks) watchers.add(mask_checker_);
  if (health_now) watchers.add(health_);
  std::optional<nn::ObserverScope> watching;
  if (!watchers.empty()) watching.emplace(watchers);
  return model_->forward_targets(b.src, b.src_layout, b.tgt_in, b.tgt_layout, b.tgt_out);
}

double Trainer::micro_steps(const StepBatch& batch, bool health_now) {
  double loss_sum = 0.0;
  if (gradients_) gradients_->clear();
  for (size_t m = 0; m < batch.micro.size(); ++m) {
    const data::Batch& b = batch.micro[m];
    key_dropout(config_.train.seed, state_.step + 1, batch.ids[m]);
    const nn::TargetLogits out = forward(b, health_now && batch.ids[m] == 0);  // logits [R, V] at the R targets
    // Summed over this micro-batch's targets, divided by the whole batch's count: the
    // micro-batches' losses add up to the batch's mean, and so do their gradients.
    int64_t counted = 0;
    const Tensor loss = cross_entropy(out.logits, out.targets, data::Vocab::kPad, config_.optim.label_smoothing,
                                      &counted, batch.tgt_tokens);
    if (config_.train.check_masks) MaskChecker::check_loss(b.tgt_out, counted, data::Vocab::kPad, b.tgt_in.shape[0]);
    optimizer_->zero_grad();
    loss.backward();
    if (gradients_) gradients_->add();
    loss_sum += loss.item();
  }
  return loss_sum;
}

double Trainer::sum_over_ranks(double loss) {
  votes_[kLossSum] = loss;
  votes_[kStopVotes] = stop_requests() > 0 ? 1.0 : 0.0;
  votes_[kTimeUpVotes] = ranks_.root() && out_of_time() ? 1.0 : 0.0;  // rank 0's clock decides for all
  votes_[kBudgetSpent] = ranks_.root() ? budget_spent() : 0.0;
  if (!gradients_) return loss;
  ranks_.set_waiting_note(str("step ", state_.step + 1, "; ",
                              saved_step_ >= 0 ? str("the checkpoint of step ", saved_step_, " in ", dir_, " is kept")
                                               : std::string("no checkpoint was saved yet")));
  gradients_->sum_over_ranks(ranks_);
  gradients_->write_back();
  ranks_.sum(votes_);
  return votes_[kLossSum];
}

bool Trainer::step(const StepBatch& batch) {
  const TrainConfig& t = config_.train;
  const OptimConfig& o = config_.optim;
  const bool health_now = ranks_.root() && t.health && (state_.step + 1) % t.log_every == 0;
  // The position after this batch: where a checkpoint written after the step resumes.
  if (++state_.batch_in_epoch >= static_cast<int64_t>(epoch_batches_->size())) {
    ++state_.epoch;
    state_.batch_in_epoch = 0;
  }

  const double loss = sum_over_ranks(micro_steps(batch, health_now));
  if (health_now) health_.read_gradients();
  const double norm = o.clip_norm > 0.0f ? clip_grad_norm(model_->parameters(), o.clip_norm)
                                         : gradient_norm(model_->parameters());
  if (!std::isfinite(loss) || !std::isfinite(norm)) {  // never let a NaN or Inf reach the weights
    skip(std::isfinite(loss) ? str("gradient norm is ", norm) : str("loss is ", loss));
    return false;
  }
  const float lr = schedule_.at(state_.step + 1, votes_[kBudgetSpent]);
  optimizer_->set_lr(lr);
  if (health_now) health_.before_step();
  optimizer_->step();
  ++state_.step;
  if (average_) average_->update(state_.step);
  if (health_now) {
    const HealthReport report = health_.after_step(state_.step, lr, config_.optim.lr);
    const std::vector<std::string> warnings = warnings_.note(report);
    if (!warnings.empty()) log_->line(report.summary());  // the figures behind a new warning; all in metrics.jsonl
    for (const std::string& w : warnings) log_->line(w);
    write_or_stop([&] { log_->record(report.json()); });
  }
  last_loss_ = loss;
  const bool log_now = state_.step % t.log_every == 0 || decide_stop() != StopReason::kNone;  // and the last
  const int64_t epoch = state_.batch_in_epoch == 0 ? state_.epoch : state_.epoch + 1;  // the batch's, 1-based
  write_or_stop([&] { log_->step(state_.step, epoch, last_loss_, lr, batch.tgt_tokens, log_now); });
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

}  // namespace mt
