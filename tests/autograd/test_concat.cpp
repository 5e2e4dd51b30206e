// Tests of autograd/ops/concat.cpp — concat and split: PyTorch values, gradcheck, errors.
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("concat and split match PyTorch") {
  check_reference("concat", 2, [](const auto& x) { return concat({x[0], x[1]}, 1); });
  check_reference("split", 1, [](const auto& x) { return split(x[0], {1, 3}, 1)[1] * 2.0f; });
}

TEST_CASE("concat and split gradcheck") {
  const Tensor a = param({2, 3, 2}, 71), b = param({2, 1, 2}, 72), x = param({5, 3}, 73);
  check_gradients([](const auto& v) { return concat({v[0], v[1], v[0]}, 1); }, {a, b});
  check_gradients([](const auto& v) {
    const auto parts = split(v[0], 2, 0);  // sizes 2, 2, 1
    return concat({parts[2], parts[0] * 3.0f}, 0);
  }, {x});
}

TEST_CASE("split into equal pieces keeps the remainder last") {
  const auto parts = split(arange(0, 7), 3, 0);
  REQUIRE(parts.size() == 3);
  CHECK(parts[2].to_vector() == std::vector<float>{6});
  CHECK(concat(parts, 0).to_vector() == arange(0, 7).to_vector());
}

TEST_CASE("concat and split errors name the shapes") {
  check_error([] { concat({zeros({2, 3}), zeros({3, 3})}, 1); }, {"concat", "[3, 3]", "[2, 3]"});
  check_error([] { split(zeros({2, 5}), {2, 2}, 1); }, {"split", "4", "[2, 5]"});
  check_error([] { concat({}, 0); }, {"concat"});
}
