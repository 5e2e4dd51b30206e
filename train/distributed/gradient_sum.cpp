// The gradient of a step cut into micro-batches; see gradient_sum.h.
#include "train/distributed/gradient_sum.h"

#include <algorithm>

#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {

GradientSum::GradientSum(std::vector<Tensor> params) : params_(std::move(params)) {
  size_t size = 0;
  for (const Tensor& p : params_) size += static_cast<size_t>(p.numel());
  buffer_.assign(size, 0.0f);
}

void GradientSum::clear() { empty_ = true; }

void GradientSum::add() {
  MT_PROFILE("gradient buffer");
  float* into = buffer_.data();
  for (const Tensor& p : params_) {
    const int64_t n = p.numel();
    const Tensor& g = p.grad();
    const float* from = g.defined() ? g.data() : nullptr;  // leaf gradients are contiguous (engine.cpp)
    if (empty_) {
      if (from) {
        std::copy(from, from + n, into);
      } else {
        std::fill(into, into + n, 0.0f);
      }
    } else if (from) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) into[i] += from[i];
    }
    into += n;
  }
  empty_ = false;
}

void GradientSum::sum_over_ranks(Communicator& ranks) {
  if (empty_) std::fill(buffer_.begin(), buffer_.end(), 0.0f);  // a rank without a micro-batch this step
  empty_ = false;
  ranks.sum(buffer_);
}

void GradientSum::write_back() const {
  MT_PROFILE("gradient buffer");
  const float* from = buffer_.data();
  for (const Tensor& p : params_) {
    Tensor g = p.grad();
    if (!g.defined() || g.storage().use_count() != 1) g = Tensor(p.shape());  // a gradient of its own
    std::copy(from, from + p.numel(), g.data());
    p.set_grad(g);
    from += p.numel();
  }
}

}  // namespace mt
