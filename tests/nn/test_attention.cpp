// Tests of nn/multi_head_attention.cpp: names and shapes, gradcheck (self and cross attention,
// with masks), the masks themselves, fully masked rows, and errors.
#include <cmath>

#include "nn/multi_head_attention.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("attention: PyTorch's parameter names and shapes") {
  nn::MultiHeadAttention mha(8, 2);
  std::vector<std::string> names;
  for (const auto& [name, t] : mha.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"});
  CHECK(mha.in_proj_weight.shape() == Shape{24, 8});
  CHECK(mha.parameter_count() == 24 * 8 + 24 + 8 * 8 + 8);
  CHECK(mha.in_proj_bias.to_vector() == std::vector<float>(24, 0.0f));
}

TEST_CASE("attention: gradcheck for self-attention with both masks and for cross-attention") {
  manual_seed(11);
  nn::MultiHeadAttention mha(8, 2);
  const Tensor x = param({2, 4, 8}, 12), memory = param({2, 3, 8}, 13);
  const IntTensor pad4({0, 0, 0, 1, 0, 0, 0, 0}, {2, 4}), pad3({0, 0, 1, 0, 0, 0}, {2, 3});
  CHECK(mha.forward(x, x, &pad4, true).shape() == Shape{2, 4, 8});
  check_gradients([&](const auto& v) { return mha.forward(v[0], v[0], &pad4, true); }, with_params(mha, {x}));
  CHECK(mha.forward(x, memory, &pad3, false).shape() == Shape{2, 4, 8});
  check_gradients([&](const auto& v) { return mha.forward(v[0], v[1], &pad3, false); },
                  with_params(mha, {x, memory}));
}

TEST_CASE("attention: a padded key gets exactly zero weight, and position t never attends to t+1") {
  manual_seed(14);
  nn::MultiHeadAttention mha(8, 2);
  const Tensor x = param({2, 5, 8}, 15);
  const IntTensor pad({0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, {2, 5});
  Tensor weights;
  mha.forward(x, x, &pad, true, &weights);
  REQUIRE(weights.shape() == Shape{2, 2, 5, 5});
  const std::vector<float> w = weights.to_vector();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t t = 0; t < 5; ++t) {
        double total = 0;
        for (int64_t s = 0; s < 5; ++s) {
          const float v = w[((b * 2 + h) * 5 + t) * 5 + s];
          total += v;
          if (s > t) CHECK(v == 0.0f);                           // causal
          if (pad.values[b * 5 + s] != 0) CHECK(v == 0.0f);      // padding
        }
        CHECK(total == doctest::Approx(1.0));
      }
}

TEST_CASE("attention: a query whose keys are all padding gives finite outputs and gradients") {
  manual_seed(16);
  nn::MultiHeadAttention mha(8, 2);
  const Tensor x = param({2, 3, 8}, 17), memory = param({2, 3, 8}, 18);
  const IntTensor all_padded({1, 1, 1, 0, 0, 1}, {2, 3});  // batch row 0 has no real key
  const Tensor out = mha.forward(x, memory, &all_padded, false);
  for (float v : out.to_vector()) CHECK(std::isfinite(v));
  out.sum().backward();
  for (const Tensor& t : with_params(mha, {x, memory})) {
    for (float v : t.grad().to_vector()) CHECK(std::isfinite(v));
  }
}

TEST_CASE("attention: errors name the shapes") {
  nn::MultiHeadAttention mha(8, 2);
  check_error([] { nn::MultiHeadAttention(10, 3); }, {"10", "heads 3"});
  check_error([&] { mha.forward(zeros({2, 3, 6}), zeros({2, 3, 6}), nullptr, false); }, {"[2, 3, 6]"});
  const IntTensor bad({0, 0}, {1, 2});
  check_error([&] { mha.forward(zeros({2, 3, 8}), zeros({2, 3, 8}), &bad, false); }, {"[1, 2]", "[2, 3]"});
  check_error([&] { mha.forward(zeros({2, 3, 8}), zeros({2, 4, 8}), nullptr, true); }, {"causal", "3", "4"});
}
