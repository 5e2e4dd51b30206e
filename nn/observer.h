// Watching a forward pass. An Observer installed with ObserverScope hears of the token ids,
// the tensors the modules make (by module and name) and every attention's weights with the
// masks it was given: `minitrans explain` prints them, `minitrans attention` draws them, and
// the mask checks (train/insight/mask_check.h) test them. Without an observer a tap costs one test of a
// thread-local pointer. Read next: ../train/insight/mask_check.h.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace mt::nn {

class Module;
class MultiHeadAttention;

/// One attention call: weights [B, H, T, S] (a row sums to 1, or to 0 when all its keys are
/// masked) and the masks it applied.
struct AttentionRecord {
  Tensor weights;
  const IntTensor* key_padding = nullptr;  // [B, S], non-zero = padding; null for none
  bool causal = false;
  const IntTensor* query_padding = nullptr;  // [B, T]: query rows that are padding (packed batches)
};

class Observer {
 public:
  virtual ~Observer() = default;
  /// Token ids entering `where` (the source, or the decoder input).
  virtual void ids(const Module& /*where*/, const char* /*what*/, const IntTensor& /*ids*/) {}
  /// A tensor `where` made; `what` names it within the module ("" for its output).
  virtual void tensor(const Module& /*where*/, const char* /*what*/, const Tensor& /*value*/) {}
  virtual void attention(const MultiHeadAttention& /*where*/, const AttentionRecord& /*record*/) {}
};

/// Passes everything on to several observers, in the order added.
class ObserverList : public Observer {
 public:
  void add(Observer& observer) { observers_.push_back(&observer); }
  bool empty() const { return observers_.empty(); }
  void ids(const Module& where, const char* what, const IntTensor& ids) override {
    for (Observer* o : observers_) o->ids(where, what, ids);
  }
  void tensor(const Module& where, const char* what, const Tensor& value) override {
    for (Observer* o : observers_) o->tensor(where, what, value);
  }
  void attention(const MultiHeadAttention& where, const AttentionRecord& record) override {
    for (Observer* o : observers_) o->attention(where, record);
  }

 private:
  std::vector<Observer*> observers_;
};

/// The observer installed on this thread, or null.
Observer* current_observer();

/// Installs an observer on this thread for its lifetime (restoring the previous one).
class ObserverScope {
 public:
  explicit ObserverScope(Observer& observer);
  ~ObserverScope();
  ObserverScope(const ObserverScope&) = delete;
  ObserverScope& operator=(const ObserverScope&) = delete;

 private:
  Observer* previous_;
};

inline void observe(const Module& where, const char* what, const Tensor& value) {
  if (Observer* o = current_observer()) o->tensor(where, what, value);
}
inline void observe_ids(const Module& where, const char* what, const IntTensor& ids) {
  if (Observer* o = current_observer()) o->ids(where, what, ids);
}

/// Dotted module paths for printing: "transformer.decoder.layers.0.multihead_attn" ("" for
/// the root). Modules reached under two names keep the first.
class ModulePaths {
 public:
  explicit ModulePaths(const Module& root);
  /// The path of `m` with `what` appended ("path.what"), or "?" for a module not under root.
  std::string of(const Module& m, const std::string& what = "") const;

 private:
  std::vector<std::pair<const Module*, std::string>> paths_;
};

}  // namespace mt::nn
