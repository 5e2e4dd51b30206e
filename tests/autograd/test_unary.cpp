// Tests of autograd/ops/unary.cpp — neg, exp, log, sqrt, pow, tanh, relu, gelu: PyTorch values and gradcheck.
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("unary ops match PyTorch") {
  check_reference("neg", 1, [](const auto& x) { return neg(x[0]); });
  check_reference("exp", 1, [](const auto& x) { return exp(x[0]); });
  check_reference("log", 1, [](const auto& x) { return log(x[0]); });
  check_reference("sqrt", 1, [](const auto& x) { return sqrt(x[0]); });
  check_reference("pow", 1, [](const auto& x) { return pow(x[0], 2.5f); });
  check_reference("tanh", 1, [](const auto& x) { return tanh(x[0]); });
  check_reference("relu", 1, [](const auto& x) { return relu(x[0]); });
  check_reference("gelu", 1, [](const auto& x) { return gelu(x[0]); });
}

TEST_CASE("unary gradcheck") {
  const Tensor x = param({3, 5}, 11);
  manual_seed(12);
  const Tensor positive = uniform({3, 5}, 0.5f, 2.0f).requires_grad_();
  check_gradients([](const auto& v) { return neg(v[0]); }, {x});
  check_gradients([](const auto& v) { return exp(v[0]); }, {x});
  check_gradients([](const auto& v) { return log(v[0]); }, {positive});
  check_gradients([](const auto& v) { return sqrt(v[0]); }, {positive});
  check_gradients([](const auto& v) { return pow(v[0], 3.0f); }, {x});
  check_gradients([](const auto& v) { return pow(v[0], -1.5f); }, {positive});
  check_gradients([](const auto& v) { return tanh(v[0]); }, {x});
  check_gradients([](const auto& v) { return relu(v[0]); }, {x});
  check_gradients([](const auto& v) { return gelu(v[0]); }, {x});
}

TEST_CASE("relu has zero gradient at zero, as in PyTorch") {
  Tensor x = from_values({-1.0f, 0.0f, 2.0f}, {3}, true);
  relu(x).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>{0.0f, 0.0f, 1.0f});
}
