// The weights' exponential moving average; see weight_average.h.
#include "train/optim/weight_average.h"

#include <algorithm>

#include "autograd/check.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"

namespace mt {

WeightAverage::WeightAverage(std::vector<Tensor> params, float decay) : params_(std::move(params)), decay_(decay) {
  MT_CHECK(decay >= 0.0f && decay < 1.0f, "weight average: decay must be in [0, 1), got ", decay);
  for (const Tensor& p : params_) {
    Tensor copy = zeros(p.shape());
    std::copy(p.data(), p.data() + p.numel(), copy.data());
    average_.push_back(copy);
  }
}

float WeightAverage::decay_at(int64_t step) const {
  return std::min(decay_, static_cast<float>(1 + step) / static_cast<float>(10 + step));
}

void WeightAverage::update(int64_t step) {
  MT_PROFILE("weight average");
  const float d = decay_at(step);
  for (size_t i = 0; i < params_.size(); ++i) {
    const float* w = params_[i].data();
    float* a = average_[i].data();
    parallel_for(params_[i].numel(), kElementGrain, [&](int64_t begin, int64_t end) {
      for (int64_t k = begin; k < end; ++k) a[k] = d * a[k] + (1.0f - d) * w[k];
    });
  }
}

void WeightAverage::swap() {
  for (size_t i = 0; i < params_.size(); ++i) {
    std::swap_ranges(params_[i].data(), params_[i].data() + params_[i].numel(), average_[i].data());
  }
}

std::vector<std::pair<std::string, Tensor>> WeightAverage::state() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (size_t i = 0; i < average_.size(); ++i) out.emplace_back("ema." + std::to_string(i), average_[i]);
  return out;
}

void WeightAverage::load_state(const std::map<std::string, Tensor>& saved) {
  for (size_t i = 0; i < average_.size(); ++i) {
    const std::string name = "ema." + std::to_string(i);
    const auto it = saved.find(name);
    MT_CHECK(it != saved.end(), "weight average: '", name, "' is missing (was the run trained with train.ema?)");
    MT_CHECK(it->second.shape() == average_[i].shape(), "weight average: '", name, "' has shape ",
             it->second.shape(), ", expected ", average_[i].shape());
    std::copy(it->second.data(), it->second.data() + it->second.numel(), average_[i].data());
  }
}

}  // namespace mt
