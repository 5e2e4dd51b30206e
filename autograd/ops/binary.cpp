// add, sub, mul, div with broadcasting, and their scalar forms (x·scale + shift, one kernel).
// The kernel reads both operands through broadcast views (zero strides on stretched dims), so
// nothing is copied; each backward reduces its gradient back with sum_to. Read next: unary.cpp.
#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {

// out = f(a, b) over the broadcast shape of a and b.
template <typename F>
Tensor broadcast_apply(const Tensor& a, const Tensor& b, const char* op, const F& f) {
  if (a.shape() == b.shape() && a.is_contiguous() && b.is_contiguous()) {  // the common case: one flat loop
    Tensor out(a.shape());
    zip_elements(a.data(), b.data(), out.data(), out.numel(), f);
    return out;
  }
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor out(shape);
  const Tensor av = expand(a.detach(), shape), bv = expand(b.detach(), shape);
  const float *pa = av.data(), *pb = bv.data();
  float* po = out.data();
  for_each_row<3>(shape, {out.strides(), av.strides(), bv.strides()},
                  [&](const std::array<int64_t, 3>& off, int64_t n, const std::array<int64_t, 3>& step) {
                    float* o = po + off[0];
                    const float *x = pa + off[1], *y = pb + off[2];
                    // The common layouts get loops the compiler can vectorize.
                    if (step[1] == 1 && step[2] == 1) {
                      for (int64_t j = 0; j < n; ++j) o[j] = f(x[j], y[j]);
                    } else if (step[1] == 1 && step[2] == 0) {
                      const float yv = *y;
                      for (int64_t j = 0; j < n; ++j) o[j] = f(x[j], yv);
                    } else if (step[1] == 0 && step[2] == 1) {
                      const float xv = *x;
                      for (int64_t j = 0; j < n; ++j) o[j] = f(xv, y[j]);
                    } else {
                      for (int64_t j = 0; j < n; ++j) o[j] = f(x[j * step[1]], y[j * step[2]]);
                    }
                  });
  return out;
}

// out = x·scale + shift: the scalar forms, without materializing the scalar as a tensor.
Tensor affine(const Tensor& x, float scale, float shift) {
  MT_PROFILE("affine");
  const Tensor xc = contiguous(x.detach());
  Tensor out(x.shape());
  map_elements(xc.data(), out.data(), out.numel(), [scale, shift](float v) { return v * scale + shift; });
  // dx = dy·scale
  return record("affine", out, {x}, [scale](const Tensor& dy) {
    Tensor dx(dy.shape());
    map_elements(dy.data(), dx.data(), dx.numel(), [scale](float g) { return g * scale; });
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  MT_PROFILE("add");
  Tensor out = broadcast_apply(a, b, "add", [](float x, float y) { return x + y; });
  // da = dy, db = dy (each summed back to its own shape)
  return record("add", out, {a, b}, [a, b](const Tensor& dy) {
    return std::vector<Tensor>{a.requires_grad() ? sum_to(dy, a.shape()) : Tensor(),
                               b.requires_grad() ? sum_to(dy, b.shape()) : Tensor()};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  MT_PROFILE("sub");
  Tensor out = broadcast_apply(a, b, "sub", [](float x, float y) { return x - y; });
  // da = dy, db = -dy
  return record("sub", out, {a, b}, [a, b](const Tensor& dy) {
    return std::vector<Tensor>{a.requires_grad() ? sum_to(dy, a.shape()) : Tensor(),
                               b.requires_grad() ? sum_to(neg(dy), b.shape()) : Tensor()};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  MT_PROFILE("mul");
  // lesson 1 begin: the product a·b and its backward
  Tensor out = broadcast_apply(a, b, "mul", [](float x, float y) { return x * y; });
  // da = dy·b, db = dy·a
  return record("mul", out, {a, b}, [a, b](const Tensor& dy) {
    return std::vector<Tensor>{a.requires_grad() ? sum_to(mul(dy, b.detach()), a.shape()) : Tensor(),
                               b.requires_grad() ? sum_to(mul(dy, a.detach()), b.shape()) : Tensor()};
  });
  // lesson 1 end
}

Tensor div(const Tensor& a, const Tensor& b) {
  MT_PROFILE("div");
  Tensor out = broadcast_apply(a, b, "div", [](float x, float y) { return x / y; });
  // da = dy / b, db = -dy·a / b²  (= -dy·out / b)
  return record("div", out, {a, b}, [a, b, y = out.detach()](const Tensor& dy) {
    return std::vector<Tensor>{a.requires_grad() ? sum_to(div(dy, b.detach()), a.shape()) : Tensor(),
                               b.requires_grad() ? sum_to(neg(div(mul(dy, y), b.detach())), b.shape()) : Tensor()};
  });
}

Tensor add(const Tensor& a, float b) { return affine(a, 1.0f, b); }
Tensor sub(const Tensor& a, float b) { return affine(a, 1.0f, -b); }
Tensor mul(const Tensor& a, float b) { return affine(a, b, 0.0f); }
Tensor div(const Tensor& a, float b) { return affine(a, 1.0f / b, 0.0f); }  // as PyTorch: times the reciprocal

}  // namespace mt
