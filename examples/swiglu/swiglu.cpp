// The tutorial's op and module; see swiglu.h and docs/tutorial.md.
#include "swiglu.h"

#include <cmath>

#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"

namespace tutorial {

using mt::Tensor;

mt::Tensor silu(const Tensor& x) {
  // Forward: read a contiguous copy of x (without its history), write a new tensor.
  const Tensor xs = mt::contiguous(x.detach());
  Tensor out(x.shape());
  mt::map_elements(xs.data(), out.data(), out.numel(), [](float v) { return v / (1.0f + std::exp(-v)); });
  // Backward: given dL/d(out), return dL/dx. It keeps x's values (xs), never `out` itself.
  return mt::record("silu", out, {x}, [xs](const Tensor& dy) {
    Tensor dx(dy.shape());
    mt::zip_elements(dy.data(), xs.data(), dx.data(), dx.numel(), [](float g, float v) {
      const float s = 1.0f / (1.0f + std::exp(-v));
      return g * s * (1.0f + v * (1.0f - s));
    });
    return std::vector<Tensor>{dx};
  });
}

SwiGluFeedForward::SwiGluFeedForward(int64_t dim, int64_t hidden, float p) {
  w_gate = register_module("w_gate", std::make_shared<mt::nn::Linear>(dim, hidden));
  w_up = register_module("w_up", std::make_shared<mt::nn::Linear>(dim, hidden));
  dropout = register_module("dropout", std::make_shared<mt::nn::Dropout>(p));
  w_down = register_module("w_down", std::make_shared<mt::nn::Linear>(hidden, dim));
}

Tensor SwiGluFeedForward::forward(const Tensor& x) const {
  return w_down->forward(dropout->forward(silu(w_gate->forward(x)) * w_up->forward(x)));
}

void register_swiglu() {
  mt::nn::register_feed_forward("swiglu", [](const mt::nn::LayerOptions& o) {
    return std::make_shared<SwiGluFeedForward>(o.d_model, o.ff_dim, o.activation_rate());
  });
}

}  // namespace tutorial
