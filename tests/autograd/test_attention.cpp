// Tests of autograd/ops/attention.cpp and attention_reference.cpp: both against PyTorch; the
// fused op against its composite twin attention_reference, values and gradients, self and
// cross, with masks and dropout; gradchecks; fully masked rows; errors.
#include <cmath>
#include <limits>

#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

namespace {

// Small heads run every step of a head in one task; large ones (more than 16384 multiply-adds
// per head product) go through oneDNN step by step: `large` picks 24 x 25 x 32 heads. `t` and
// `head_dim` override the small geometry (4 queries, heads 4 wide).
void compare(bool self, bool causal, bool with_pad, float p, bool large = false, int64_t t_small = 4,
             int64_t head_dim = 4) {
  INFO("self ", self, " causal ", causal, " padding ", with_pad, " dropout ", p, " large ", large, " t ", t_small,
       " head_dim ", head_dim);
  const int64_t heads = 2, d = large ? 64 : 2 * head_dim, t = large ? 24 : t_small;
  const Tensor q1 = param({2, t, self ? 3 * d : d}, 301), q2 = param({2, t, self ? 3 * d : d}, 301);
  const Tensor kv1 = self ? Tensor() : param({2, causal ? t : t + 1, 2 * d}, 302);
  const Tensor kv2 = self ? Tensor() : param({2, causal ? t : t + 1, 2 * d}, 302);
  const int64_t s = self || causal ? t : t + 1;
  IntTensor pad(std::vector<int32_t>(2 * s, 0), {2, s});
  pad.values[s - 1] = 1;
  pad.values[2 * s - 2] = 1;
  const IntTensor* mask = with_pad ? &pad : nullptr;
  manual_seed(9);
  const AttentionOptions o{.heads = heads, .key_padding = mask, .causal = causal, .dropout = p, .training = true};
  const Tensor fused = self ? self_attention(q1, o) : attention(q1, kv1, o);
  manual_seed(9);
  const Tensor composite = self ? self_attention_reference(q2, o) : attention_reference(q2, kv2, o);
  check_close(fused, composite, 1e-5, 1e-6);
  const Tensor r = param(fused.shape(), 303);
  sum(fused * r.detach()).backward();
  sum(composite * r.detach()).backward();
  check_close(q1.grad(), q2.grad(), 1e-4, 1e-6);
  if (!self) check_close(kv1.grad(), kv2.grad(), 1e-4, 1e-6);
}

}  // namespace

TEST_CASE("attention and attention_reference match PyTorch, cross with key padding and causal self") {
  const IntTensor pad = fixture_ints("attention_cross.key_padding");
  for (const bool fused : {true, false}) {
    check_reference("attention_cross", 2, [&](const auto& x) {
      const AttentionOptions o{.heads = 2, .key_padding = &pad, .training = true};
      return fused ? attention(x[0], x[1], o) : attention_reference(x[0], x[1], o);
    });
    check_reference("attention_self_causal", 1, [&](const auto& x) {
      const AttentionOptions o{.heads = 2, .causal = true, .training = true};
      return fused ? self_attention(x[0], o) : self_attention_reference(x[0], o);
    });
  }
}

TEST_CASE("attention_reference: gradcheck, self and cross, with masks and dropout") {
  const Tensor qkv = param({2, 3, 12}, 331), q = param({2, 3, 4}, 332), kv = param({2, 5, 8}, 333);
  const IntTensor pad5({0, 0, 0, 1, 1, 0, 0, 0, 0, 1}, {2, 5}), pad3({0, 0, 1, 0, 0, 0}, {2, 3});
  check_gradients([&](const auto& v) { return self_attention_reference(v[0], {.heads = 2, .key_padding = &pad3, .causal = true, .training = true}); },
                  {qkv});
  check_gradients([&](const auto& v) {
    manual_seed(4);
    return attention_reference(v[0], v[1], {.heads = 2, .key_padding = &pad5, .dropout = 0.25f, .training = true});
  }, {q, kv});
}

TEST_CASE("attention: the fused op equals its composite twin, values and gradients") {
  for (bool self : {true, false})
    for (bool causal : {false, true})
      for (bool pad : {false, true})
        for (float p : {0.0f, 0.3f}) compare(self, causal, pad, p);
}

// The small-head products keep R rows by W columns in registers, W a multiple of 8 up to 64,
// with wider heads cut into panels: odd row counts leave a tail of single rows, odd widths pad.
TEST_CASE("attention: small heads of every panel width, odd lengths and wider than one panel") {
  for (int64_t head_dim : {3, 8, 13, 24, 40, 57, 64, 72, 130})
    for (int64_t t : {1, 5, 7, 13}) {
      compare(true, true, true, 0.3f, false, t, head_dim);
      compare(false, false, true, 0.0f, false, t, head_dim);
    }
}

TEST_CASE("attention: large heads (through oneDNN) equal the composite twin too") {
  for (bool self : {true, false})
    for (bool causal : {false, true})
      for (float p : {0.0f, 0.3f}) compare(self, causal, true, p, true);
}

TEST_CASE("attention: gradcheck, self and cross, with masks and dropout") {
  const Tensor qkv = param({2, 3, 12}, 311), q = param({2, 3, 4}, 312), kv = param({2, 5, 8}, 313);
  const IntTensor pad5({0, 0, 0, 1, 1, 0, 0, 0, 0, 1}, {2, 5}), pad3({0, 0, 1, 0, 0, 0}, {2, 3});
  check_gradients([&](const auto& v) { return self_attention(v[0], {.heads = 2, .key_padding = &pad3, .causal = true, .training = true}); }, {qkv});
  check_gradients([&](const auto& v) { return attention(v[0], v[1], {.heads = 2, .key_padding = &pad5, .training = true}); }, {q, kv});
  check_gradients([&](const auto& v) {
    manual_seed(4);
    return attention(v[0], v[1], {.heads = 1, .dropout = 0.25f, .training = true});
  }, {q, kv});
}

TEST_CASE("attention: weights are the masked softmax, and a query with every key padded stays finite") {
  const Tensor q = param({2, 2, 4}, 321), kv = param({2, 3, 8}, 322);
  const IntTensor pad({1, 1, 1, 0, 1, 0}, {2, 3});
  Tensor weights;
  const Tensor out = attention(q, kv, {.heads = 2, .key_padding = &pad, .dropout = 0.5f, .weights = &weights});  // eval: no dropout
  REQUIRE(weights.shape() == Shape{2, 2, 2, 3});
  const std::vector<float> w = weights.to_vector();
  for (int64_t i = 0; i < 12; ++i) CHECK(w[i] == 0.0f);  // batch 0: every key padded
  CHECK(w[12 + 1] == 0.0f);
  CHECK(w[12 + 0] + w[12 + 2] == doctest::Approx(1.0));
  out.sum().backward();
  for (const Tensor& t : {out, q.grad(), kv.grad()})
    for (float v : t.to_vector()) CHECK(std::isfinite(v));
}

TEST_CASE("attention: errors name the shapes") {
  check_error([] { self_attention(zeros({2, 3, 10}), {.heads = 2}); }, {"attention", "10"});
  check_error([] { attention(zeros({2, 3, 4}), zeros({2, 3, 6}), {.heads = 2}); },
              {"attention", "[2, 3, 6]"});
  const IntTensor pad({0, 0}, {1, 2});
  check_error([&] { attention(zeros({2, 3, 4}), zeros({2, 3, 8}), {.heads = 2, .key_padding = &pad}); }, {"[1, 2]", "[2, 3]"});
  check_error([] { attention(zeros({2, 3, 4}), zeros({2, 5, 8}), {.heads = 2, .causal = true}); }, {"causal"});
  check_error([] { attention(zeros({2, 3, 12}), Tensor(), {.heads = 2}); }, {"kv is undefined", "self_attention"});
  check_error([] { attention_reference(zeros({2, 3, 12}), Tensor(), {.heads = 2}); }, {"kv is undefined"});
}
