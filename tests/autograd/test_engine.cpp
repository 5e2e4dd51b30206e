// The engine: gradients through shared subexpressions, accumulation across calls, upstream
// gradients, retain_graph, NoGradGuard, deep graphs, and the checks on backward functions.
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("backward sums gradients over every use of a tensor") {
  Tensor x = from_values({2.0f, -1.0f}, {2}, true);
  // y = x·x + 3x, dy/dx = 2x + 3
  (x * x + x * 3.0f).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>{7.0f, 1.0f});
}

TEST_CASE("gradients accumulate across backward calls until zero_grad") {
  Tensor x = from_values({1.0f, 2.0f}, {2}, true);
  (x * 2.0f).sum().backward();
  (x * 2.0f).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>{4.0f, 4.0f});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("backward takes an upstream gradient for a non-scalar output") {
  Tensor x = from_values({1.0f, 2.0f, 3.0f}, {3}, true);
  (x * x).backward(from_values({1.0f, 0.0f, -1.0f}, {3}));
  CHECK(x.grad().to_vector() == std::vector<float>{2.0f, 0.0f, -6.0f});
  check_error([&] { (x * x).backward(); }, {"backward", "[3]"});
  check_error([&] { (x * x).backward(ones({2})); }, {"backward", "[2]", "[3]"});
  check_error([] { ones({1}).backward(); }, {"backward", "does not require grad"});
}

TEST_CASE("the graph is freed after backward unless retain_graph") {
  Tensor x = from_values({3.0f}, {1}, true);
  const Tensor y = exp(x).sum();
  y.backward({}, true);
  y.backward();
  CHECK(x.grad().item() == doctest::Approx(2 * std::exp(3.0)));
  check_error([&] { y.backward(); }, {"already freed", "sum"});
}

TEST_CASE("NoGradGuard records nothing") {
  Tensor x = ones({2}, true);
  {
    NoGradGuard guard;
    const Tensor y = x * 2.0f;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
  }
  CHECK((x * 2.0f).grad_fn() != nullptr);
}

TEST_CASE("a chain of 200000 ops backpropagates and is freed without recursion") {
  Tensor x = from_values({1.0f}, {1}, true);
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = y + 1e-6f;
  y.sum().backward();
  CHECK(x.grad().item() == 1.0f);
  // And a long graph that is dropped without backward.
  // (The assertion is that releasing it does not overflow the stack: the test would crash.)
  Tensor z = x;
  for (int i = 0; i < 200000; ++i) z = z * 1.0f;
  REQUIRE(z.grad_fn() != nullptr);
  z = Tensor();
  CHECK(x.grad().item() == 1.0f);  // the leaf is untouched by the graph's release
}

TEST_CASE("the engine checks the gradients a backward function returns, naming the op") {
  Tensor x = ones({2, 3}, true);
  const Tensor wrong_shape = record("bad_shape_op", x.detach() * 1.0f, {x}, [](const Tensor&) {
    return std::vector<Tensor>{zeros({3, 2})};
  });
  check_error([&] { wrong_shape.sum().backward(); }, {"bad_shape_op", "[3, 2]", "[2, 3]"});
  const Tensor wrong_count = record("bad_count_op", x.detach() * 1.0f, {x}, [](const Tensor& dy) {
    return std::vector<Tensor>{dy, dy};
  });
  check_error([&] { wrong_count.sum().backward(); }, {"bad_count_op", "2 gradients", "1 inputs"});
}

TEST_CASE("leaf gradients own their storage, even when a backward returns a shared tensor") {
  Tensor x = ones({3}, true);
  const Tensor seed = from_values({1, 2, 3}, {3});
  const Tensor y = view(x, {3});  // view's backward returns a view of the seed
  y.backward(seed);
  CHECK(x.grad().storage() != seed.storage());
  CHECK(x.grad().to_vector() == std::vector<float>{1, 2, 3});
}
