// The gradient of a step cut into micro-batches, in one flat buffer. Each micro-batch's backward
// leaves its gradient in the parameters' .grad; add() folds it into the buffer, in micro-batch
// order; sum_over_ranks() adds the buffers of all ranks (in rank order, communicator.h);
// write_back() makes the sum the
// parameters' gradient. One process with train.accumulate = N and N ranks of one micro-batch
// each therefore add the same numbers in the same order: (g0 + g1) + g2 ... Read next:
// ../loop/trainer.cpp (Trainer::step).
#pragma once

#include <span>
#include <vector>

#include "autograd/tensor.h"
#include "train/distributed/communicator.h"

namespace mt {

class GradientSum {
 public:
  /// A buffer for the gradients of `params`.
  explicit GradientSum(std::vector<Tensor> params);

  /// Empties the buffer: a new step.
  void clear();
  /// buffer += every parameter's .grad (one that backward did not reach adds zeros); the first
  /// add after clear() copies, as one process and the ranks alike do.
  void add();
  /// buffer ← the sum of every rank's buffer (zeros from a rank without a micro-batch this
  /// step), the same bits on each.
  void sum_over_ranks(Communicator& ranks);
  /// Each parameter's .grad ← its part of the buffer.
  void write_back() const;
  /// Bytes the ranks sum each step.
  size_t bytes() const { return buffer_.size() * sizeof(float); }

 private:
  std::vector<Tensor> params_;
  std::vector<float> buffer_;
  bool empty_ = true;  // nothing added since clear()
};

}  // namespace mt
