// The kernels of the fused attention op (../ops/attention.cpp) and the two schedules that run
// them. The op writes its steps as a HeadPlan, one call a line (a product, the masked softmax,
// dropout, ...); run() then executes the plan one of two ways:
//   - small heads (toy: 15 x 15 x 16): every step of one head in one task, so a call costs one
//     dispatch over the cores instead of one per step, and a head's scores stay in cache. The
//     products run in register blocks (attention.cpp), since oneDNN's per-matrix overhead
//     dominates such tiny products (256 toy heads: 80 µs through oneDNN, 12 µs here);
//   - large heads: step by step over all heads, each product one batched oneDNN call.
// Read next: ../ops/attention.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "autograd/kernels/dropout_mask.h"
#include "autograd/tensor.h"

namespace mt {

/// B sequences of H heads, T queries against S keys, heads Dh wide; scores scaled by 1/√Dh.
struct HeadGeometry {
  int64_t b, h, t, s, dh;
  float scale;
};

class HeadPlan {
 public:
  explicit HeadPlan(const HeadGeometry& g);
  ~HeadPlan();
  HeadPlan(const HeadPlan&) = delete;
  HeadPlan& operator=(const HeadPlan&) = delete;

  /// c = op(a)·op(b) for every head: [B, H, ·, ·] views with any strides, `ta`/`tb` swap the
  /// last two dims of a/b; c is written in place (e.g. straight into merged heads).
  HeadPlan& product(const Tensor& a, bool ta, const Tensor& b, bool tb, const Tensor& c);
  /// x [B, H, T, S] = softmax(scale·x with hidden keys at -inf), in place. key_padding [B, S]
  /// (non-zero hides the key) may be null; causal hides the keys after each query. A row with
  /// every key hidden becomes zeros.
  HeadPlan& masked_softmax(const Tensor& x, const IntTensor* key_padding, bool causal);
  /// dx = p·(dx - Σ dx·p)·scale per row, in place: the softmax backward with the scale.
  HeadPlan& softmax_backward(const Tensor& dx, const Tensor& p);
  /// out = dropout of in with the decisions of `mask` (drawn for the whole [B, H, T, S]).
  HeadPlan& dropout(const DropoutMask& mask, const Tensor& in, const Tensor& out);

  /// Runs the steps in order, as the schedule for this geometry says.
  void run() const;

  struct Step;

 private:
  HeadGeometry g_;
  std::vector<std::unique_ptr<Step>> steps_;
};

}  // namespace mt
