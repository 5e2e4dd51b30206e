// Dropout: active in training mode, the identity after eval(). A layer's residual connection
// `x + dropout(y)` is written as just that, `x + dropout->apply(y)`: apply() returns the
// dropout still to be done, and adding it to a tensor runs both in one pass (residual_dropout).
// Read next: multi_head_attention.h.
#pragma once

#include "nn/module.h"

namespace mt::nn {

class Dropout;

/// dropout(x), not yet computed: `residual + dropped` fuses the two; used alone it converts to
/// the plain dropout of x.
struct Dropped {
  const Dropout& dropout;
  Tensor x;
  operator Tensor() const;  // NOLINT: implicit on purpose, so apply() reads like forward()
};

/// residual + dropout(x) in one pass, with the same random draws as dropout(x) alone.
Tensor operator+(const Tensor& residual, const Dropped& dropped);

class Dropout : public Module {
 public:
  explicit Dropout(float p);
  Tensor forward(const Tensor& x) const;
  /// forward(x), kept for `residual + apply(x)` to fuse.
  Dropped apply(const Tensor& x) const { return {*this, x}; }

  const float p;

 protected:
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;
};

}  // namespace mt::nn
