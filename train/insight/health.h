// The training-health monitor: the figures that answer "why is my loss flat?", taken at every
// log step and written to the log and metrics.jsonl. Per parameter group (each layer, each
// embedding, the generator): gradient norm and update-to-weight ratio (how far one optimizer
// step moves the weights, relative to their size); per attention module and head: mean entropy
// of the attention rows and the share of saturated rows (one key takes > 99% of the weight).
// Figures outside the ranges in docs/health.md raise warnings. Read next: ../loop/trainer.cpp.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"
#include "nn/observer.h"

namespace mt {

struct AttentionHealth {
  std::string path;
  std::vector<double> entropy;    // mean entropy per head, in nats (0: one key; ln S: uniform)
  std::vector<double> saturated;  // share of rows per head whose largest weight exceeds 0.99
};

struct HealthReport {
  int64_t step = 0;
  double grad_norm = 0.0;
  double lr = 0.0;
  double update_ratio = 0.0;  // ||ΔW|| / ||W|| over every parameter
  std::vector<std::pair<std::string, double>> group_grad_norms, group_update_ratios;
  std::vector<AttentionHealth> attention;
  std::vector<std::string> warnings;    // each with its likely cause and fix
  std::vector<std::string> conditions;  // what each warning is about ("saturated:encoder.layers.0...")

  /// The record for metrics.jsonl: {"step": ..., "health": {...}}, figures to 4 digits.
  nlohmann::ordered_json json() const;
  /// One log line: the global figures and the extremes per group and head (warnings apart).
  std::string summary() const;
};

/// The log's warnings: each condition is logged once, when it first appears, with its cause and
/// fix; later repeats are only counted, and summary() reports them all at the end of training.
class WarningLog {
 public:
  /// The log lines for this report's warnings that are new (empty when none is).
  std::vector<std::string> note(const HealthReport& report);
  /// One line per condition seen: how many health reports raised it, the first and last step;
  /// with none seen, one line that says so (nothing before the first report).
  std::vector<std::string> summary() const;

 private:
  struct Seen {
    std::string condition, text;
    int64_t first_step = 0, last_step = 0, count = 0;
  };
  std::vector<Seen> seen_;  // in order of first appearance
  int64_t reports_ = 0;
};

/// The sane ranges: outside them, a warning (docs/health.md explains each).
struct HealthLimits {
  double max_grad_norm = 1e2;        // exploding gradients (before clipping)
  double min_grad_norm = 1e-8;       // vanishing gradients (nothing reaches the weights)
  double max_update_ratio = 1e-1;    // a step rewrites 10% of the weights: learning rate too high
  double min_update_ratio = 1e-7;    // the weights barely move: learning rate too low
  double max_saturated = 0.99;       // nearly every attention row is one-hot in every head of a module
};

class HealthMonitor : public nn::Observer {
 public:
  explicit HealthMonitor(const nn::Module& model, HealthLimits limits = {});

  /// Attention weights of the observed forward pass, summarized per module and head.
  void attention(const nn::MultiHeadAttention& where, const nn::AttentionRecord& record) override;
  /// Right after backward (before clipping): the gradient norms, global and per group.
  void read_gradients();
  /// Just before the optimizer step: keeps a copy of the weights.
  void before_step();
  /// After the optimizer step, taken with learning rate `lr`: the report of this step (and the
  /// monitor is ready for the next). Tiny updates are judged at the schedule's `peak_lr` (the
  /// ratio times peak_lr / lr; 0: lr is the peak), so a warmup's start or a decay's tail, small
  /// by design, is no warning; nor is a step with lr 0.
  HealthReport after_step(int64_t step, double lr, double peak_lr = 0.0);

 private:
  const nn::Module& model_;
  nn::ModulePaths paths_;
  HealthLimits limits_;
  nn::NamedTensors parameters_;
  std::vector<std::string> groups_;           // group of each parameter
  std::vector<std::vector<float>> before_;    // weights before the step
  HealthReport report_;
};

}  // namespace mt
