// dropout: in training, keep each element with probability 1-p and scale it by 1/(1-p), so the
// expected value is unchanged; in evaluation, the identity. The keep mask comes from the
// counter-based generator, so it is the same whatever the thread split. Read next: layer_norm.cpp.
#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/random.h"

namespace mt {

Tensor dropout(const Tensor& x, float p, bool training) {
  MT_PROFILE("dropout");
  MT_CHECK(p >= 0.0f && p <= 1.0f, "dropout: probability must be in [0, 1], got ", p);
  if (!training || p == 0.0f) return x;
  const Tensor xc = contiguous(x.detach());
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  Tensor mask(x.shape());  // scale where kept, 0 where dropped
  const uint64_t seed = random_seed(), first = reserve_random(x.numel());
  float* m = mask.data();
  parallel_for(x.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) m[i] = random_uniform(seed, first + i) >= p ? scale : 0.0f;
  });
  Tensor out(x.shape());
  zip_elements(xc.data(), m, out.data(), out.numel(), [](float v, float k) { return v * k; });
  // dx = dy·mask
  return record("dropout", out, {x}, [mask](const Tensor& dy) {
    Tensor dx(dy.shape());
    zip_elements(dy.data(), mask.data(), dx.data(), dx.numel(), [](float g, float k) { return g * k; });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace mt
