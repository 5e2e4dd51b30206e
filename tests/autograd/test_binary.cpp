// Tests of autograd/ops/binary.cpp — add, sub, mul, div: PyTorch values, gradients, broadcasting, strided operands, errors.
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("binary ops match PyTorch, with broadcasting") {
  check_reference("add", 2, [](const auto& x) { return add(x[0], x[1]); });
  check_reference("sub", 2, [](const auto& x) { return sub(x[0], x[1]); });
  check_reference("mul", 2, [](const auto& x) { return mul(x[0], x[1]); });
  check_reference("div", 2, [](const auto& x) { return div(x[0], x[1]); });
}

TEST_CASE("binary scalar forms match PyTorch") {
  check_reference("add_scalar", 1, [](const auto& x) { return x[0] + 2.5f; });
  check_reference("sub_scalar", 1, [](const auto& x) { return x[0] - 1.5f; });
  check_reference("mul_scalar", 1, [](const auto& x) { return x[0] * -3.0f; });
  check_reference("div_scalar", 1, [](const auto& x) { return x[0] / 4.0f; });
}

TEST_CASE("binary gradcheck with broadcasting") {
  const Tensor a = param({2, 3, 4}, 1), b = param({3, 1}, 2), c = param({4}, 3);
  manual_seed(4);
  const Tensor positive = uniform({2, 1, 4}, 0.5f, 1.5f).requires_grad_();
  check_gradients([](const auto& x) { return add(x[0], x[1]); }, {a, b});
  check_gradients([](const auto& x) { return sub(x[0], x[1]); }, {a, b});
  check_gradients([](const auto& x) { return mul(x[0], x[1]); }, {a, c});
  check_gradients([](const auto& x) { return div(x[0], x[1]); }, {a, positive});
  check_gradients([](const auto& x) { return 2.0f - x[0] * 3.0f + x[0] / 2.0f; }, {a});
}

TEST_CASE("binary ops read transposed and broadcast operands without copying them first") {
  const Tensor a = param({3, 4}, 5), b = param({4, 3}, 6);
  const Tensor via_view = add(a, transpose(b, 0, 1));
  const Tensor via_copy = add(a, contiguous(transpose(b, 0, 1)));
  check_close(via_view, via_copy, 0, 0);
  const Tensor scalar_sum = add(full({}, 1.0f), a);
  check_close(scalar_sum, a + 1.0f, 0, 0);
}

TEST_CASE("binary ops reject shapes that do not broadcast, naming op and shapes") {
  check_error([] { add(zeros({2, 3}), zeros({4})); }, {"add", "[2, 3]", "[4]"});
  check_error([] { mul(zeros({2, 3}), zeros({3, 2})); }, {"mul", "[2, 3]", "[3, 2]"});
}
