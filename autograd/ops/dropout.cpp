// dropout: in training, keep each element with probability 1-p and scale it by 1/(1-p), so the
// expected value is unchanged; in evaluation, the identity. The keep decisions come from the
// counter-based generator (random.h): a 32-bit draw per element against a threshold, the same
// whatever the thread split. The backward recomputes the
// decisions from the seed and counter instead of saving a mask, so dropout holds no memory
// between forward and backward. Read next: layer_norm.cpp.
#include <algorithm>
#include <cmath>

#include "autograd/check.h"
#include "autograd/kernels/parallel.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/random.h"

namespace mt {
namespace {

// out[k] = in[k]·keep where the draw for counter low + k (under key) is at least cut, else 0.
// A plain function over restrict pointers, so the loop vectorizes.
void apply_run(const float* __restrict in, float* __restrict out, int64_t n, uint32_t key, uint32_t low,
               uint32_t cut, float keep) {
  for (int64_t k = 0; k < n; ++k) {
    const uint32_t bits = random_bits32(key, low + static_cast<uint32_t>(k));
    out[k] = in[k] * (bits >= cut ? keep : 0.0f);
  }
}

// Element i is kept when the 32-bit draw for counter first + i is at least the threshold.
struct DropoutMask {
  uint64_t seed, first;  // the generator's seed and the block's first counter
  uint32_t threshold;    // p·2^32: a draw below it drops its element
  float scale;           // 1 / (1 - p)

  // out[i] = in[i]·scale or 0 for i in [0, n), on all cores.
  void apply(const float* in, float* out, int64_t n) const {
    parallel_for(n, kElementGrain, [&](int64_t begin, int64_t end) {
      // Runs of counters that share their upper 32 bits share a key.
      for (int64_t i = begin; i < end;) {
        const uint64_t counter = first + static_cast<uint64_t>(i);
        const uint32_t low = static_cast<uint32_t>(counter);
        const int64_t run_end = std::min<int64_t>(end, i + static_cast<int64_t>((uint64_t{1} << 32) - low));
        apply_run(in + i, out + i, run_end - i, random_key32(seed, counter >> 32), low, threshold, scale);
        i = run_end;
      }
    });
  }
};

}  // namespace

Tensor dropout(const Tensor& x, float p, bool training) {
  MT_CHECK(p >= 0.0f && p <= 1.0f, "dropout: probability must be in [0, 1], got ", p);
  if (!training || p == 0.0f) return x;
  MT_PROFILE("dropout");
  if (p == 1.0f) {
    // dx = 0
    return record("dropout", zeros(x.shape()), {x}, [](const Tensor& dy) { return std::vector<Tensor>{zeros(dy.shape())}; });
  }
  const Tensor xc = contiguous(x.detach());
  const DropoutMask mask{random_seed(), reserve_random(static_cast<uint64_t>(x.numel())),
                         static_cast<uint32_t>(std::min(4294967295.0, std::round(p * 4294967296.0))),
                         1.0f / (1.0f - p)};
  Tensor out(x.shape());
  mask.apply(xc.data(), out.data(), out.numel());
  // dx = dy·scale where kept, 0 where dropped (the same decisions, drawn again)
  return record("dropout", out, {x}, [mask](const Tensor& dy) {
    Tensor dx(dy.shape());
    mask.apply(dy.data(), dx.data(), dx.numel());
    return std::vector<Tensor>{dx};
  });
}

}  // namespace mt
