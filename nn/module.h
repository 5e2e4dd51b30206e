// Module: the base of every layer. A module registers its parameters, buffers and children by
// name in its constructor and keeps them as typed members for use; the names, joined with dots
// (encoder.layers.0.self_attn.out_proj.weight), drive checkpoints, printing and the optimizer.
// Read next: linear.h, then multi_head_attention.h.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace mt::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// Every parameter with its dotted name, in registration order; a tensor registered under
  /// two names (tied weights) is listed once, under its first name.
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  /// Parameters and persistent buffers under every name: what a checkpoint holds.
  NamedTensors state_dict() const;
  /// Copies values into this module's tensors. Every name must be present with the same shape,
  /// and no unknown name may appear; the error names the tensor and both shapes.
  void load_state_dict(const std::map<std::string, Tensor>& state);

  /// Points an already registered parameter at another tensor of the same shape (weight tying).
  void replace_parameter(const std::string& name, Tensor value);

  /// Sets training mode (dropout active) on this module and all children.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  /// Drops the gradient of every parameter.
  void zero_grad();
  /// Number of scalar parameters (tied tensors counted once).
  int64_t parameter_count() const;
  /// This module ("") and every descendant, by dotted path, depth first in registration order.
  std::vector<std::pair<std::string, const Module*>> named_modules() const;
  /// Shows `value` to the thread's observer (observer.h), if any, as this module's `what` ("" for
  /// its output), and returns it: `h = observed(ff->forward(x), "feed_forward");`.
  Tensor observed(const Tensor& value, const char* what = "") const;
  /// An indented tree of children with their settings and parameter shapes.
  std::string to_string() const;

 protected:
  /// Registers a parameter (marked requires_grad) and returns it for the typed member.
  Tensor register_parameter(const std::string& name, Tensor value);
  /// Registers a tensor that is not trained. A persistent buffer is saved with the weights;
  /// a non-persistent one (a table the module can recompute) is not.
  Tensor register_buffer(const std::string& name, Tensor value, bool persistent = true);
  /// Registers a child module and returns it for the typed member.
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  /// Registers each child of `other` under its own name here, flattening one level: how the
  /// Transformer layers keep PyTorch's names (linear1, dropout, linear2) for their FeedForward.
  void register_children_of(const Module& other);
  /// Settings shown next to the module's name when printing, e.g. "in=64, out=256".
  virtual std::string extra_repr() const { return ""; }
  /// The class name used when printing.
  virtual std::string type_name() const = 0;

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  void collect(const std::string& prefix, bool buffers, NamedTensors& out) const;
  void print(std::ostream& out, const std::string& name, int depth) const;

  NamedTensors parameters_;
  NamedTensors buffers_;  // persistent only: the others live in the typed members alone
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

/// Puts a module in evaluation mode for its lifetime (dropout off), then restores its mode.
class EvalMode {
 public:
  explicit EvalMode(Module& module) : module_(module), was_training_(module.is_training()) { module_.eval(); }
  ~EvalMode() { module_.train(was_training_); }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  Module& module_;
  const bool was_training_;
};

}  // namespace mt::nn
