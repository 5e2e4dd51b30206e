// masked_fill: x with `value` wherever the (broadcast) mask is non-zero. Attention uses it to
// hide padded keys ([B, 1, 1, S]) and future positions ([1, 1, T, T]). Read next: embedding.cpp.
#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {

// out = where(mask, fill, x) with mask broadcast to x's shape; x contiguous.
Tensor apply_mask(const Tensor& x, const IntTensor& mask, float fill) {
  Tensor out(x.shape());
  const Strides mask_strides = broadcast_strides(mask.shape, x.shape());
  const float* in = x.data();
  const int32_t* m = mask.values.data();
  float* o = out.data();
  for_each_row<2>(x.shape(), {out.strides(), mask_strides},
                  [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& step) {
                    for (int64_t j = 0; j < n; ++j) {
                      o[off[0] + j] = m[off[1] + j * step[1]] != 0 ? fill : in[off[0] + j];
                    }
                  });
  return out;
}

}  // namespace

Tensor masked_fill(const Tensor& x, const IntTensor& mask, float value) {
  MT_PROFILE("masked_fill");
  MT_CHECK(broadcast_shapes(mask.shape, x.shape(), "masked_fill") == x.shape(), "masked_fill: mask of shape ",
           mask.shape, " does not broadcast to ", x.shape());
  const Tensor xc = contiguous(x.detach());
  Tensor out = apply_mask(xc, mask, value);
  // dx = dy where the mask is 0, else 0
  return record("masked_fill", out, {x}, [mask](const Tensor& dy) {
    return std::vector<Tensor>{apply_mask(dy, mask, 0.0f)};
  });
}

}  // namespace mt
