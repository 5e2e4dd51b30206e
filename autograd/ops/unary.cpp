// Element-wise functions: neg, exp, log, sqrt, pow, tanh, relu, gelu.
// Each is a forward map and a backward zip of dy with what the derivative needs (the input x
// or the output y, whichever makes it cheapest). Read next: matmul.cpp.
#include <cmath>

#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {

template <typename F>
Tensor map(const Tensor& x, const F& f) {
  const Tensor xc = contiguous(x.detach());
  Tensor out(x.shape());
  map_elements(xc.data(), out.data(), out.numel(), f);
  return out;
}

// dx[i] = f(dy[i], saved[i])
template <typename F>
Tensor zip(const Tensor& dy, const Tensor& saved, const F& f) {
  const Tensor sc = contiguous(saved);
  Tensor dx(dy.shape());
  zip_elements(dy.data(), sc.data(), dx.data(), dx.numel(), f);
  return dx;
}

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

}  // namespace

Tensor neg(const Tensor& x) { return mul(x, -1.0f); }

Tensor exp(const Tensor& x) {
  MT_PROFILE("exp");
  Tensor out = map(x, [](float v) { return std::exp(v); });
  // dx = dy·y
  return record("exp", out, {x}, [y = out.detach()](const Tensor& dy) {
    return std::vector<Tensor>{zip(dy, y, [](float g, float yv) { return g * yv; })};
  });
}

Tensor log(const Tensor& x) {
  MT_PROFILE("log");
  Tensor out = map(x, [](float v) { return std::log(v); });
  // dx = dy / x
  return record("log", out, {x}, [xs = x.detach()](const Tensor& dy) {
    return std::vector<Tensor>{zip(dy, xs, [](float g, float v) { return g / v; })};
  });
}

Tensor sqrt(const Tensor& x) {
  MT_PROFILE("sqrt");
  Tensor out = map(x, [](float v) { return std::sqrt(v); });
  // dx = dy / (2·y)
  return record("sqrt", out, {x}, [y = out.detach()](const Tensor& dy) {
    return std::vector<Tensor>{zip(dy, y, [](float g, float yv) { return g * 0.5f / yv; })};
  });
}

Tensor pow(const Tensor& x, float p) {
  MT_PROFILE("pow");
  Tensor out = map(x, [p](float v) { return std::pow(v, p); });
  // dx = dy·p·x^(p-1)
  return record("pow", out, {x}, [xs = x.detach(), p](const Tensor& dy) {
    return std::vector<Tensor>{zip(dy, xs, [p](float g, float v) { return g * p * std::pow(v, p - 1.0f); })};
  });
}

Tensor tanh(const Tensor& x) {
  MT_PROFILE("tanh");
  Tensor out = map(x, [](float v) { return std::tanh(v); });
  // dx = dy·(1 - y²)
  return record("tanh", out, {x}, [y = out.detach()](const Tensor& dy) {
    return std::vector<Tensor>{zip(dy, y, [](float g, float yv) { return g * (1.0f - yv * yv); })};
  });
}

Tensor relu(const Tensor& x) {
  MT_PROFILE("relu");
  Tensor out = map(x, [](float v) { return v > 0.0f ? v : 0.0f; });
  // dx = dy where y > 0 (so 0 at x = 0)
  return record("relu", out, {x}, [y = out.detach()](const Tensor& dy) {
    return std::vector<Tensor>{zip(dy, y, [](float g, float yv) { return yv > 0.0f ? g : 0.0f; })};
  });
}

Tensor gelu(const Tensor& x) {
  MT_PROFILE("gelu");
  Tensor out = map(x, [](float v) { return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2)); });
  // dx = dy·(Φ(x) + x·φ(x))
  return record("gelu", out, {x}, [xs = x.detach()](const Tensor& dy) {
    return std::vector<Tensor>{zip(dy, xs, [](float g, float v) {
      const float cdf = 0.5f * (1.0f + std::erf(v * kInvSqrt2));
      const float pdf = kInvSqrt2Pi * std::exp(-0.5f * v * v);
      return g * (cdf + v * pdf);
    })};
  });
}

}  // namespace mt
