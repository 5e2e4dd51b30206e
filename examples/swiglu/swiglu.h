// The tutorial's example (docs/tutorial.md): a new op and a new module, built outside the
// library. silu is an op with its own backward; SwiGluFeedForward is a gated feed-forward block
// built from it, and register_swiglu() makes it the config value model.feed_forward = swiglu.
#pragma once

#include <memory>

#include "nn/dropout.h"
#include "nn/feed_forward.h"
#include "nn/linear.h"

namespace tutorial {

/// silu(x) = x·sigmoid(x), element-wise. Backward: dx = dy·s·(1 + x·(1 - s)), s = sigmoid(x).
mt::Tensor silu(const mt::Tensor& x);

/// The SwiGLU feed-forward of Shazeer (2020), "GLU Variants Improve Transformer":
///   out = w_down(dropout(silu(w_gate(x)) * w_up(x)))
/// Three matrices instead of two; its parameters are feed_forward.w_gate.weight and so on.
class SwiGluFeedForward : public mt::nn::PositionwiseBlock {
 public:
  SwiGluFeedForward(int64_t dim, int64_t hidden, float dropout);
  mt::Tensor forward(const mt::Tensor& x) const override;

  std::shared_ptr<mt::nn::Linear> w_gate, w_up;  // D -> F
  std::shared_ptr<mt::nn::Dropout> dropout;
  std::shared_ptr<mt::nn::Linear> w_down;        // F -> D

 protected:
  std::string type_name() const override { return "SwiGluFeedForward"; }
};

/// Registers SwiGluFeedForward as model.feed_forward = swiglu.
void register_swiglu();

}  // namespace tutorial
