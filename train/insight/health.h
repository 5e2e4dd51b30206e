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
  std::vector<std::string> warnings;

  /// The record for metrics.jsonl: {"step": ..., "health": {...}}, figures to 4 digits.
  nlohmann::ordered_json json() const;
  /// A few log lines: the global figures, the extremes per group and head, then the warnings.
  std::string summary() const;
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
  /// monitor is ready for the next). A zero ratio is no warning when lr is 0 (a schedule's end).
  HealthReport after_step(int64_t step, double lr);

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
