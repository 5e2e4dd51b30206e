// Tests of nn/multi_head_attention.cpp: names and shapes, gradcheck (self and cross attention,
// with masks), the masks themselves, fully masked rows, and errors. Inputs are the rows of
// padded layouts (every position a row), the layout PyTorch computes.
#include <cmath>

#include "nn/multi_head_attention.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

namespace {

// The layout of a batch whose padding mask is `padding` [B, L] (1 = padding), every position a row.
nn::SequenceLayout layout_of(const IntTensor& padding) {
  IntTensor ids = padding;
  for (int32_t& v : ids.values) v = v != 0 ? 0 : 1;
  return nn::SequenceLayout::padded(ids, 0);
}
nn::SequenceLayout no_padding(int64_t b, int64_t l) { return layout_of(IntTensor(std::vector<int32_t>(b * l), {b, l})); }
// [B, L, D] -> rows [B·L, D]
Tensor rows(const Tensor& x) { return reshape(x, {-1, x.size(2)}); }

}  // namespace

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
  const nn::SequenceLayout pad4 = layout_of(IntTensor({0, 0, 0, 1, 0, 0, 0, 0}, {2, 4}));
  const nn::SequenceLayout pad3 = layout_of(IntTensor({0, 0, 1, 0, 0, 0}, {2, 3})), queries = no_padding(2, 4);
  CHECK(mha.self_attention(rows(x), pad4, {.causal = true}).shape() == Shape{8, 8});
  check_gradients([&](const auto& v) { return mha.self_attention(rows(v[0]), pad4, {.causal = true}); }, with_params(mha, {x}));
  CHECK(mha.cross_attention(rows(x), queries, rows(memory), pad3).shape() == Shape{8, 8});
  check_gradients([&](const auto& v) { return mha.cross_attention(rows(v[0]), queries, rows(v[1]), pad3); },
                  with_params(mha, {x, memory}));
}

TEST_CASE("attention: a padded key gets exactly zero weight, and position t never attends to t+1") {
  manual_seed(14);
  nn::MultiHeadAttention mha(8, 2);
  const Tensor x = param({2, 5, 8}, 15);
  const IntTensor pad({0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, {2, 5});
  Tensor weights;
  mha.self_attention(rows(x), layout_of(pad), {.causal = true, .weights = &weights});
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
  const Tensor out = mha.cross_attention(rows(x), no_padding(2, 3), rows(memory), layout_of(all_padded));
  for (float v : out.to_vector()) CHECK(std::isfinite(v));
  out.sum().backward();
  for (const Tensor& t : with_params(mha, {x, memory})) {
    for (float v : t.grad().to_vector()) CHECK(std::isfinite(v));
  }
}

TEST_CASE("attention: packed rows give the padded layout's results at the real positions") {
  manual_seed(19);
  nn::MultiHeadAttention mha(8, 2);
  const IntTensor ids({4, 5, 6, 0, 7, 8, 0, 0}, {2, 4});
  const nn::SequenceLayout padded = nn::SequenceLayout::padded(ids, 0), packed = nn::SequenceLayout::packed(ids, 0);
  REQUIRE(packed.size() == 5);
  const Tensor x = param({8, 8}, 20);
  const Tensor all = mha.self_attention(x, padded, {.causal = true});
  check_close(mha.self_attention(gather_rows(x, packed.rows), packed, {.causal = true}), gather_rows(all, packed.rows), 1e-6,
              1e-6);
}

TEST_CASE("attention: errors name the shapes") {
  nn::MultiHeadAttention mha(8, 2);
  check_error([] { nn::MultiHeadAttention(10, 3); }, {"10", "heads 3"});
  check_error([&] { mha.self_attention(zeros({6, 6}), no_padding(2, 3)); }, {"[6, 6]"});
  check_error([&] { mha.cross_attention(zeros({6, 8}), no_padding(2, 3), zeros({2, 8}), no_padding(1, 2)); },
              {"[1, 2]", "[2, 3]"});
  check_error([&] { mha.attend(zeros({2, 3, 8}), zeros({2, 4, 16}), no_padding(2, 3), {.causal = true}); },
              {"causal", "3", "4"});
}
