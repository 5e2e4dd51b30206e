// dropout: in training, keep each element with probability 1-p and scale it by 1/(1-p), so the
// expected value is unchanged; in evaluation, the identity. The keep decisions come from the
// counter-based generator (random.h): a 32-bit draw per element against a threshold, the same
// whatever the thread split. The backward recomputes the
// decisions from the seed and counter instead of saving a mask, so dropout holds no memory
// between forward and backward. Read next: layer_norm.cpp.
#include <algorithm>
#include <cmath>

#include "autograd/check.h"
#include "autograd/kernels/dropout_mask.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/random.h"

namespace mt {

Tensor dropout(const Tensor& x, float p, bool training) {
  MT_CHECK(p >= 0.0f && p <= 1.0f, "dropout: probability must be in [0, 1], got ", p);
  if (!training || p == 0.0f) return x;
  MT_PROFILE("dropout");
  if (p == 1.0f) {
    // dx = 0
    return record("dropout", zeros(x.shape()), {x}, [](const Tensor& dy) { return std::vector<Tensor>{zeros(dy.shape())}; });
  }
  const Tensor xc = contiguous(x.detach());
  const DropoutMask mask = DropoutMask::draw(p, x.numel());
  Tensor out(x.shape());
  mask.apply(xc.data(), out.data(), out.numel());
  // dx = dy·scale where kept, 0 where dropped (the same decisions, drawn again)
  return record("dropout", out, {x}, [mask](const Tensor& dy) {
    Tensor dx(dy.shape());
    mask.apply(dy.data(), dx.data(), dx.numel());
    return std::vector<Tensor>{dx};
  });
}

Tensor residual_dropout(const Tensor& residual, const Tensor& x, float p, bool training) {
  MT_CHECK(residual.shape() == x.shape(), "residual_dropout: residual ", residual.shape(), " and x ", x.shape(),
           " differ in shape");
  MT_CHECK(p >= 0.0f && p < 1.0f, "residual_dropout: probability must be in [0, 1), got ", p);
  if (!training || p == 0.0f) return residual + x;
  MT_PROFILE("residual_dropout");
  const Tensor xc = contiguous(x.detach()), rc = contiguous(residual.detach());
  const DropoutMask mask = DropoutMask::draw(p, x.numel());  // the draws dropout(x) would make
  Tensor out(x.shape());
  mask.apply_add(xc.data(), rc.data(), out.data(), out.numel());
  // d residual = dy; dx = dy·scale where kept, 0 where dropped
  return record("residual_dropout", out, {residual, x}, [mask](const Tensor& dy) {
    Tensor dx(dy.shape());
    mask.apply(dy.data(), dx.data(), dx.numel());
    return std::vector<Tensor>{dy, dx};
  });
}

}  // namespace mt
