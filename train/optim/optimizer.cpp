// Optimizers and clipping; see optimizer.h. The element loops run on TBB through parallel_for.
#include "train/optim/optimizer.h"

#include <algorithm>
#include <cmath>

#include "autograd/check.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"

namespace mt {

namespace {

// The tensors' sizes (0 to skip one) as running offsets: tensor i starts at offsets[i] of all of
// them laid end to end, and the last entry is their total.
std::vector<int64_t> running_offsets(const std::vector<int64_t>& sizes) {
  std::vector<int64_t> offsets(sizes.size() + 1, 0);
  for (size_t i = 0; i < sizes.size(); ++i) offsets[i + 1] = offsets[i] + sizes[i];
  return offsets;
}

// Each parameter's element count, or 0 where it has no gradient (the parameters a step skips).
std::vector<int64_t> sizes_with_gradient(const std::vector<Tensor>& params) {
  std::vector<int64_t> sizes(params.size(), 0);
  for (size_t i = 0; i < params.size(); ++i) sizes[i] = params[i].grad().defined() ? params[i].numel() : 0;
  return sizes;
}

// Calls fn(i, begin, end) on the part of each tensor i that lies in [from, to) of them end to end.
template <typename Fn>
void for_pieces(const std::vector<int64_t>& offsets, int64_t from, int64_t to, const Fn& fn) {
  size_t i = std::upper_bound(offsets.begin(), offsets.end(), from) - offsets.begin() - 1;
  for (; from < to; ++i) {
    const int64_t stop = std::min(to, offsets[i + 1]);
    if (stop > from) fn(i, from - offsets[i], stop - offsets[i]);
    from = stop;
  }
}

// Calls fn(i, begin, end) on the element ranges of every tensor i (of sizes[i] elements, 0 to
// skip one), cut into tasks of about kElementGrain elements across tensor boundaries: one
// dispatch over the cores for all the parameters, small ones included (most are biases).
template <typename Fn>
void for_all_elements(const std::vector<int64_t>& sizes, const Fn& fn) {
  const std::vector<int64_t> offsets = running_offsets(sizes);
  parallel_for(offsets.back(), kElementGrain, [&](int64_t begin, int64_t end) { for_pieces(offsets, begin, end, fn); });
}

// Σ g² of n floats in double, in eight interleaved sums (the loop vectorizes; one running sum
// would wait on each addition).
double sum_of_squares(const float* __restrict g, int64_t n) {
  double lane[8] = {};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int l = 0; l < 8; ++l) lane[l] += static_cast<double>(g[j + l]) * g[j + l];
  }
  for (; j < n; ++j) lane[0] += static_cast<double>(g[j]) * g[j];
  double sum = 0.0;
  for (double part : lane) sum += part;
  return sum;
}

// The update loops are plain functions over restrict pointers and scalars passed by value, so
// the compiler vectorizes them (inside a lambda capturing by reference it must assume a store
// to w could change a captured float, and reloads it every element).
void sgd_update(float* __restrict w, const float* __restrict g, float* __restrict b, int64_t n,
                const SgdOptions o, float lr, bool first) {
  for (int64_t j = 0; j < n; ++j) {
    float d = g[j] + o.weight_decay * w[j];
    if (b) {
      b[j] = first ? d : o.momentum * b[j] + (1.0f - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * b[j] : b[j];
    }
    w[j] -= lr * d;
  }
}

struct AdamScalars {
  float beta1, beta2, eps, shrink, l2, step_size, bias2_sqrt;
};

void adam_update(float* __restrict w, const float* __restrict g, float* __restrict m, float* __restrict v, int64_t n,
                 const AdamScalars k) {
  // lesson 9 begin: Adam's update of one parameter's elements
  for (int64_t j = 0; j < n; ++j) {
    const float p = w[j] * k.shrink;
    const float grad = g[j] + k.l2 * p;
    const float m1 = k.beta1 * m[j] + (1.0f - k.beta1) * grad;
    const float v1 = k.beta2 * v[j] + (1.0f - k.beta2) * grad * grad;
    m[j] = m1;
    v[j] = v1;
    w[j] = p - k.step_size * m1 / (std::sqrt(v1) / k.bias2_sqrt + k.eps);
  }
  // lesson 9 end
}

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> params, float lr) : params_(std::move(params)), lr_(lr) {
  for (const Tensor& p : params_) {
    MT_CHECK(p.defined() && p.is_contiguous() && !p.grad_fn(), "optimizer: parameters must be contiguous leaves");
  }
}

void Optimizer::zero_grad() {
  for (const Tensor& p : params_) p.zero_grad();
}

Sgd::Sgd(std::vector<Tensor> params, const SgdOptions& o)
    : Optimizer(std::move(params), o.lr), options_(o), momentum_(params_.size()) {
  MT_CHECK(o.momentum >= 0.0f && o.weight_decay >= 0.0f, "SGD: momentum and weight_decay must be >= 0");
  MT_CHECK(!o.nesterov || (o.momentum > 0.0f && o.dampening == 0.0f),
           "SGD: Nesterov momentum needs momentum > 0 and dampening 0");
}

void Sgd::step() {
  MT_PROFILE("optimizer (sgd)");
  ++steps_;
  const SgdOptions& o = options_;
  std::vector<int64_t> sizes(params_.size(), 0);
  std::vector<char> first(params_.size(), 0);
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].grad().defined()) continue;
    sizes[i] = params_[i].numel();
    first[i] = !momentum_[i].defined();
    if (o.momentum != 0.0f && first[i]) momentum_[i] = zeros(params_[i].shape());
  }
  for_all_elements(sizes, [&](size_t i, int64_t begin, int64_t end) {
    float* b = o.momentum != 0.0f ? momentum_[i].data() + begin : nullptr;
    sgd_update(params_[i].data() + begin, params_[i].grad().data() + begin, b, end - begin, o, lr_, first[i]);
  });
}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& o, bool decoupled)
    : Optimizer(std::move(params), o.lr), options_(o), decoupled_(decoupled) {
  MT_CHECK(o.beta1 >= 0.0f && o.beta1 < 1.0f && o.beta2 >= 0.0f && o.beta2 < 1.0f, "Adam: betas must be in [0, 1), got ",
           o.beta1, " and ", o.beta2);
  MT_CHECK(o.eps >= 0.0f && o.weight_decay >= 0.0f, "Adam: eps and weight_decay must be >= 0");
  for (const Tensor& p : params_) {
    m_.push_back(zeros(p.shape()));
    v_.push_back(zeros(p.shape()));
  }
}

void Adam::step() {
  MT_PROFILE("optimizer (adam)");
  ++steps_;
  const AdamOptions& o = options_;
  // Bias corrections in double, as PyTorch computes them in Python floats.
  const double bias1 = 1.0 - std::pow(static_cast<double>(o.beta1), static_cast<double>(steps_));
  const double bias2 = 1.0 - std::pow(static_cast<double>(o.beta2), static_cast<double>(steps_));
  const float step_size = static_cast<float>(lr_ / bias1);
  const float bias2_sqrt = static_cast<float>(std::sqrt(bias2));
  const float shrink = decoupled_ ? 1.0f - lr_ * o.weight_decay : 1.0f;
  const float l2 = decoupled_ ? 0.0f : o.weight_decay;
  const AdamScalars k{o.beta1, o.beta2, o.eps, shrink, l2, step_size, bias2_sqrt};
  for_all_elements(sizes_with_gradient(params_), [&](size_t i, int64_t begin, int64_t end) {
    adam_update(params_[i].data() + begin, params_[i].grad().data() + begin, m_[i].data() + begin,
                v_[i].data() + begin, end - begin, k);
  });
}

namespace {
// Copies saved[name] into `into`, checking it exists with the right shape.
void restore(const std::map<std::string, Tensor>& saved, const std::string& name, const Tensor& into) {
  auto it = saved.find(name);
  MT_CHECK(it != saved.end(), "optimizer state: '", name, "' is missing");
  MT_CHECK(it->second.shape() == into.shape(), "optimizer state: '", name, "' has shape ", it->second.shape(),
           ", the parameter has ", into.shape());
  std::copy(it->second.data(), it->second.data() + into.numel(), into.data());
}
}  // namespace

std::vector<std::pair<std::string, Tensor>> Sgd::state() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (size_t i = 0; i < momentum_.size(); ++i) {
    if (momentum_[i].defined()) out.emplace_back("momentum." + std::to_string(i), momentum_[i]);
  }
  return out;
}

void Sgd::load_state(const std::map<std::string, Tensor>& saved, int64_t steps) {
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string name = "momentum." + std::to_string(i);
    momentum_[i] = Tensor();
    if (saved.count(name)) {
      momentum_[i] = zeros(params_[i].shape());
      restore(saved, name, momentum_[i]);
    }
  }
  steps_ = steps;
}

std::vector<std::pair<std::string, Tensor>> Adam::state() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (size_t i = 0; i < params_.size(); ++i) {
    out.emplace_back("m." + std::to_string(i), m_[i]);
    out.emplace_back("v." + std::to_string(i), v_[i]);
  }
  return out;
}

void Adam::load_state(const std::map<std::string, Tensor>& saved, int64_t steps) {
  MT_CHECK(saved.size() == 2 * params_.size(), "optimizer state: ", saved.size(), " tensors for ", params_.size(),
           " parameters (expected ", 2 * params_.size(), ")");
  for (size_t i = 0; i < params_.size(); ++i) {
    restore(saved, "m." + std::to_string(i), m_[i]);
    restore(saved, "v." + std::to_string(i), v_[i]);
  }
  steps_ = steps;
}

double gradient_norm(const std::vector<Tensor>& params) {
  // The gradients end to end, cut into blocks of kElementGrain elements whatever the tensors: each
  // block summed by one task, then the blocks' sums added in order, so the norm has the same bits
  // on any number of cores (a resumed or a multi-rank run depends on it).
  const std::vector<int64_t> offsets = running_offsets(sizes_with_gradient(params));
  const int64_t total = offsets.back();
  std::vector<double> block_sums((total + kElementGrain - 1) / kElementGrain, 0.0);
  parallel_for(static_cast<int64_t>(block_sums.size()), 1, [&](int64_t first, int64_t last) {
    for (int64_t b = first; b < last; ++b) {
      for_pieces(offsets, b * kElementGrain, std::min(total, (b + 1) * kElementGrain),
                 [&](size_t i, int64_t begin, int64_t end) {
                   block_sums[b] += sum_of_squares(params[i].grad().data() + begin, end - begin);
                 });
    }
  });
  double sum = 0.0;
  for (double part : block_sums) sum += part;
  return std::sqrt(sum);
}

float clip_grad_norm(const std::vector<Tensor>& params, float max_norm) {
  MT_PROFILE("gradient clipping");
  // lesson 9 begin: clipping, every gradient scaled by one factor from the global norm
  const float norm = static_cast<float>(gradient_norm(params));
  const float coef = std::min(1.0f, max_norm / (norm + 1e-6f));
  for (const Tensor& p : params) {
    if (!p.grad().defined()) continue;
    float* g = p.grad().data();
    parallel_for(p.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) g[j] *= coef;
    });
  }
  return norm;
  // lesson 9 end
}

}  // namespace mt
