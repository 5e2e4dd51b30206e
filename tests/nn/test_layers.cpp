// Tests of nn/linear, embedding, layer_norm, dropout, positional_encoding, feed_forward:
// parameter names, shapes and counts, output shapes, gradcheck at D=8, and errors.
#include <cmath>

#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/positional_encoding.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

namespace {
// gradcheck of a module's output with respect to its input and all its parameters.
template <typename Fn>
void check_module_gradients(const nn::Module& m, Tensor input, const Fn& forward) {
  std::vector<Tensor> inputs{input};
  for (const Tensor& p : m.parameters()) inputs.push_back(p);
  check_gradients([&](const std::vector<Tensor>& v) { return forward(v[0]); }, inputs);
}
}  // namespace

TEST_CASE("Linear: names, shapes, PyTorch's init bound, gradcheck") {
  manual_seed(0);
  nn::Linear linear(8, 5);
  CHECK(names(linear) == std::vector<std::string>{"weight", "bias"});
  CHECK(linear.weight.shape() == Shape{5, 8});
  CHECK(linear.parameter_count() == 45);
  for (float w : linear.weight.to_vector()) CHECK(std::abs(w) <= 1.0f / std::sqrt(8.0f));
  const Tensor x = param({2, 3, 8}, 1);
  CHECK(linear.forward(x).shape() == Shape{2, 3, 5});
  check_module_gradients(linear, x, [&](const Tensor& v) { return linear.forward(v); });
  check_error([&] { linear.forward(zeros({2, 7})); }, {"Linear", "[2, 7]", "8"});
  CHECK(names(nn::Linear(3, 2, false)) == std::vector<std::string>{"weight"});
}

TEST_CASE("Embedding: names, zero padding row, shapes, gradcheck") {
  manual_seed(0);
  nn::Embedding embed(6, 8, 0);
  CHECK(names(embed) == std::vector<std::string>{"weight"});
  const std::vector<float> w = embed.weight.to_vector();
  CHECK(std::all_of(w.begin(), w.begin() + 8, [](float v) { return v == 0.0f; }));
  const IntTensor ids({1, 0, 5, 2}, {2, 2});
  CHECK(embed.forward(ids).shape() == Shape{2, 2, 8});
  // The padding row gets no gradient by design, so the finite-difference check uses other ids.
  const IntTensor real_ids({1, 3, 5, 2}, {2, 2});
  check_gradients([&](const auto&) { return embed.forward(real_ids); }, {embed.weight});
  check_error([] { nn::Embedding(4, 2, 4); }, {"padding_idx 4"});
}

TEST_CASE("LayerNorm: names, init, shapes, gradcheck") {
  nn::LayerNorm norm(8);
  CHECK(names(norm) == std::vector<std::string>{"weight", "bias"});
  CHECK(norm.weight.to_vector() == std::vector<float>(8, 1.0f));
  CHECK(norm.bias.to_vector() == std::vector<float>(8, 0.0f));
  const Tensor x = param({2, 3, 8}, 2);
  CHECK(norm.forward(x).shape() == Shape{2, 3, 8});
  check_module_gradients(norm, x, [&](const Tensor& v) { return norm.forward(v); });
}

TEST_CASE("Dropout: no parameters, active only in training") {
  nn::Dropout drop(0.5f);
  CHECK(drop.named_parameters().empty());
  const Tensor x = ones({1000});
  manual_seed(3);
  const std::vector<float> trained = drop.forward(x).to_vector();
  CHECK(std::count(trained.begin(), trained.end(), 0.0f) > 300);
  drop.eval();
  CHECK(drop.forward(x).is_same(x));
  check_error([] { nn::Dropout(1.0f); }, {"Dropout", "1"});
}

TEST_CASE("PositionalEncoding: the sinusoid table, not saved, and the learned table, saved and trained") {
  const Tensor pe = nn::sinusoidal_table(4, 8);
  const std::vector<float> v = pe.to_vector();
  CHECK(v[0] == 0.0f);  // sin(0)
  CHECK(v[1] == 1.0f);  // cos(0)
  CHECK(v[8 + 0] == doctest::Approx(std::sin(1.0)));
  CHECK(v[8 + 3] == doctest::Approx(std::cos(1.0 / std::pow(10000.0, 2.0 / 8))));
  nn::PositionalEncoding fixed(8, 16);
  CHECK(fixed.state_dict().empty());
  const Tensor x = param({2, 3, 8}, 4);
  check_close(fixed.forward(x), x + slice(pe, 0, 0, 3), 1e-6, 1e-6);
  nn::PositionalEncoding learned(8, 16, true);
  CHECK(names(learned) == std::vector<std::string>{"weight"});
  check_module_gradients(learned, x, [&](const Tensor& in) { return learned.forward(in); });
  check_error([&] { fixed.forward(zeros({1, 17, 8})); }, {"17", "max_len 16"});
}

TEST_CASE("FeedForward: names, shapes, gradcheck with ReLU and GELU") {
  for (auto act : {nn::Activation::kRelu, nn::Activation::kGelu}) {
    INFO((act == nn::Activation::kRelu ? "relu" : "gelu"));
    manual_seed(5);
    nn::FeedForward ff(8, 16, 0.0f, act);
    CHECK(names(ff) == std::vector<std::string>{"linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"});
    CHECK(ff.parameter_count() == 8 * 16 + 16 + 16 * 8 + 8);
    const Tensor x = param({2, 3, 8}, 7);
    CHECK(ff.forward(x).shape() == Shape{2, 3, 8});
    // Finite differences are only valid away from ReLU's kink: no pre-activation may lie
    // within a step's reach of 0 (seed 6 put one at 3.7e-4 and the check rightly failed).
    const std::vector<float> h = ff.linear1->forward(x).to_vector();
    REQUIRE(std::all_of(h.begin(), h.end(), [](float v) { return std::abs(v) > 0.01f; }));
    check_module_gradients(ff, x, [&](const Tensor& v) { return ff.forward(v); });
  }
}
