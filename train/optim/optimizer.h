// Optimizers with PyTorch's exact update rules (torch.optim in 1.13, single-tensor path), and
// gradient clipping by global norm. An optimizer holds the parameters and its per-parameter
// state; step() reads each parameter's .grad and updates the values in place.
// Read next: schedule.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace mt {

class Optimizer {
 public:
  Optimizer(std::vector<Tensor> params, float lr);
  virtual ~Optimizer() = default;
  /// One update from the current gradients; parameters without a gradient are left alone.
  virtual void step() = 0;
  void zero_grad();
  float lr() const { return lr_; }
  void set_lr(float lr) { lr_ = lr; }
  /// Number of step() calls so far.
  int64_t steps() const { return steps_; }
  /// The per-parameter state by name ("m.3", ...), for checkpoints.
  virtual std::vector<std::pair<std::string, Tensor>> state() const = 0;
  /// Restores state() output and the step count; names and shapes are checked.
  virtual void load_state(const std::map<std::string, Tensor>& state, int64_t steps) = 0;

 protected:
  std::vector<Tensor> params_;
  float lr_;
  int64_t steps_ = 0;
};

struct SgdOptions {
  float lr = 0.01f;
  float momentum = 0.0f;
  float dampening = 0.0f;
  float weight_decay = 0.0f;
  bool nesterov = false;
};

/// p -= lr·d with d = g + wd·p, through momentum: b = μ·b + (1-dampening)·d (b = d at first),
/// d = b, or d + μ·b with Nesterov.
class Sgd : public Optimizer {
 public:
  Sgd(std::vector<Tensor> params, const SgdOptions& options);
  void step() override;
  std::vector<std::pair<std::string, Tensor>> state() const override;
  void load_state(const std::map<std::string, Tensor>& state, int64_t steps) override;

 private:
  SgdOptions options_;
  std::vector<Tensor> momentum_;  // undefined until the first step that needs it
};

struct AdamOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
};

/// Adam: m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g², p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps).
/// Weight decay adds wd·p to g (L2); AdamW instead shrinks p by (1 - lr·wd) first (decoupled).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options, bool decoupled_weight_decay = false);
  void step() override;
  std::vector<std::pair<std::string, Tensor>> state() const override;
  void load_state(const std::map<std::string, Tensor>& state, int64_t steps) override;

 private:
  AdamOptions options_;
  bool decoupled_;
  std::vector<Tensor> m_, v_;
};

/// AdamW: Adam with decoupled weight decay (PyTorch's default weight_decay is 0.01).
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamOptions& options) : Adam(std::move(params), options, true) {}
};

/// Scales all gradients by min(1, max_norm / (norm + 1e-6)) where norm is the 2-norm of all
/// of them together; returns that norm (as torch.nn.utils.clip_grad_norm_).
float clip_grad_norm(const std::vector<Tensor>& params, float max_norm);
/// The 2-norm of every gradient together (what clip_grad_norm measures), in double.
double gradient_norm(const std::vector<Tensor>& params);

}  // namespace mt
