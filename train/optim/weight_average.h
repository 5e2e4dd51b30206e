// An exponential moving average of the weights (Polyak averaging; Marian's
// --exponential-smoothing): after every update, a = d·a + (1 - d)·w for each parameter w, with
// d = min(decay, (1 + t) / (10 + t)) at step t, so that the average of the first steps follows
// the weights instead of remembering their random start (TensorFlow's ExponentialMovingAverage
// with num_updates does the same). Validation, the best model and the test use the average.
// Read next: schedule.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace mt {

class WeightAverage {
 public:
  /// Starts the average at the parameters' current values.
  WeightAverage(std::vector<Tensor> params, float decay);
  /// The decay used after step `step` (1-based).
  float decay_at(int64_t step) const;
  /// Moves the average towards the parameters, after update number `step`.
  void update(int64_t step);
  /// Exchanges the parameters' values with the average's: call it again to swap back.
  void swap();
  /// The average by name ("ema.3", ...), for checkpoints.
  std::vector<std::pair<std::string, Tensor>> state() const;
  /// Restores state() output; names and shapes are checked.
  void load_state(const std::map<std::string, Tensor>& state);

 private:
  std::vector<Tensor> params_, average_;
  float decay_;
};

/// Swaps the average in for the lifetime of the scope (no-op for a null average).
class AveragedWeights {
 public:
  explicit AveragedWeights(WeightAverage* average) : average_(average) {
    if (average_) average_->swap();
  }
  ~AveragedWeights() {
    if (average_) average_->swap();
  }
  AveragedWeights(const AveragedWeights&) = delete;
  AveragedWeights& operator=(const AveragedWeights&) = delete;

 private:
  WeightAverage* average_;
};

}  // namespace mt
