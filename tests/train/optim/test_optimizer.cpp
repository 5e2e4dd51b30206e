// Tests of train/optimizer.cpp: SGD (plain, momentum + dampening + weight decay, Nesterov),
// Adam and AdamW against PyTorch after three steps from fixed gradients; clipping by norm.
#include <cstring>

#include "autograd/threading.h"
#include "tests/reference.h"
#include "train/optim/optimizer.h"
#include "train/optim/weight_average.h"

using namespace mt;
using namespace mt::testing;

namespace {
// Runs the fixture's three steps on a fresh copy of its parameter and checks the result.
template <typename Make>
void check_optimizer(const std::string& name, const Make& make) {
  INFO(name);
  Tensor p = fixture(name + ".param").requires_grad_();
  auto opt = make(std::vector<Tensor>{p});
  for (int i = 0; i < 3; ++i) {
    p.set_grad(fixture(name + ".grad" + std::to_string(i)));
    opt.step();
  }
  check_close(p.detach(), fixture(name + ".out"), 1e-5, 1e-6);
  CHECK(opt.steps() == 3);
}
}  // namespace

TEST_CASE("optimizers reproduce PyTorch's updates") {
  check_optimizer("sgd", [](auto ps) { return Sgd(ps, {.lr = 0.1f}); });
  check_optimizer("sgd_momentum", [](auto ps) {
    return Sgd(ps, {.lr = 0.1f, .momentum = 0.9f, .dampening = 0.1f, .weight_decay = 0.01f});
  });
  check_optimizer("sgd_nesterov", [](auto ps) { return Sgd(ps, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true}); });
  check_optimizer("adam", [](auto ps) {
    return Adam(ps, {.lr = 0.01f, .beta1 = 0.9f, .beta2 = 0.98f, .eps = 1e-9f, .weight_decay = 0.1f});
  });
  check_optimizer("adamw", [](auto ps) {
    return AdamW(ps, {.lr = 0.01f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.1f});
  });
}

TEST_CASE("clip_grad_norm scales every gradient by the global norm, as PyTorch") {
  Tensor p1 = zeros({3, 4}, true), p2 = zeros({5}, true);
  p1.set_grad(fixture("clip.g1"));
  p2.set_grad(fixture("clip.g2"));
  const float norm = clip_grad_norm({p1, p2}, 1.0f);
  CHECK(norm == doctest::Approx(fixture("clip.norm").item()).epsilon(1e-6));
  check_close(p1.grad(), fixture("clip.out1"), 1e-6, 1e-7);
  check_close(p2.grad(), fixture("clip.out2"), 1e-6, 1e-7);
  // Under the limit nothing changes.
  Tensor small = zeros({2}, true);
  small.set_grad(from_values({0.3f, 0.4f}, {2}));
  CHECK(clip_grad_norm({small}, 1.0f) == doctest::Approx(0.5f));
  CHECK(small.grad().to_vector() == std::vector<float>{0.3f, 0.4f});
}

TEST_CASE("gradient_norm: the double norm of every gradient, the same bits on one core or two") {
  // Sizes that cut blocks of kElementGrain across tensors, and a parameter without a gradient.
  std::vector<Tensor> params;
  for (int64_t size : {40000, 7, 70001, 3}) {
    params.push_back(param({size}, static_cast<uint64_t>(size)));
    params.back().set_grad(param({size}, static_cast<uint64_t>(size) + 1).detach());
  }
  params.push_back(param({5}, 9));
  long double naive = 0;
  for (const Tensor& p : params) {
    if (!p.grad().defined()) continue;
    for (float g : p.grad().to_vector()) naive += static_cast<long double>(g) * g;
  }
  const int threads = num_threads();
  const double norm = gradient_norm(params);
  set_num_threads(1);
  const double one_core = gradient_norm(params);
  set_num_threads(threads);
  CHECK(norm == doctest::Approx(static_cast<double>(std::sqrt(naive))).epsilon(1e-12));
  CHECK(std::memcmp(&norm, &one_core, sizeof norm) == 0);
}

TEST_CASE("optimizers skip parameters without gradients and validate their options") {
  Tensor a = ones({2}, true), b = ones({2}, true);
  Adam adam({a, b}, {.lr = 0.1f});
  a.set_grad(ones({2}));
  adam.step();
  CHECK(a.to_vector()[0] < 1.0f);
  CHECK(b.to_vector() == std::vector<float>{1.0f, 1.0f});
  check_error([&] { Adam({a}, {.beta1 = 1.0f}); }, {"Adam", "betas"});
  check_error([&] { Sgd({a}, {.nesterov = true}); }, {"Nesterov"});
  check_error([&] { Sgd({a * 2.0f}, {}); }, {"leaves"});
}

TEST_CASE("weight average: the moving average by hand, swapped in and out, saved and restored") {
  Tensor w = from_values({1.0f, -2.0f}, {2}, true);
  WeightAverage average({w}, 0.5f);
  // Step 1: d = min(0.5, 2/11) = 2/11. The average starts at w = (1, -2); w moves to (3, 0).
  CHECK(average.decay_at(1) == doctest::Approx(2.0 / 11));
  CHECK(average.decay_at(100) == 0.5f);
  std::copy_n(std::vector<float>{3.0f, 0.0f}.data(), 2, w.data());
  average.update(1);
  const double d1 = 2.0 / 11;
  const double a0 = d1 * 1 + (1 - d1) * 3, a1 = d1 * -2 + (1 - d1) * 0;
  // Step 20: d = 0.5; w moves to (5, 4).
  std::copy_n(std::vector<float>{5.0f, 4.0f}.data(), 2, w.data());
  average.update(20);
  const double b0 = 0.5 * a0 + 0.5 * 5, b1 = 0.5 * a1 + 0.5 * 4;
  {
    const AveragedWeights swapped(&average);
    CHECK(w.to_vector()[0] == doctest::Approx(b0).epsilon(1e-6));
    CHECK(w.to_vector()[1] == doctest::Approx(b1).epsilon(1e-6));
  }
  CHECK(w.to_vector() == std::vector<float>{5.0f, 4.0f});  // swapped back
  const auto saved = average.state();
  REQUIRE(saved.size() == 1);
  CHECK(saved[0].first == "ema.0");
  WeightAverage restored({w}, 0.5f);
  restored.load_state({saved.begin(), saved.end()});
  CHECK(restored.state()[0].second.to_vector() == saved[0].second.to_vector());
  check_error([&] { restored.load_state({}); }, {"ema.0", "missing"});
  check_error([&] { WeightAverage({w}, 1.0f); }, {"decay"});
}
