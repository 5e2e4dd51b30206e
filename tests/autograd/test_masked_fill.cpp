// Tests of autograd/ops/masked_fill.cpp — masked_fill: PyTorch values with a broadcast padding mask, gradcheck, errors.
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("masked_fill matches PyTorch with a broadcast mask") {
  const IntTensor mask = fixture_ints("masked_fill.mask");
  check_reference("masked_fill", 1, [&](const auto& x) { return masked_fill(x[0], mask, -7.0f); });
}

TEST_CASE("masked_fill gradcheck: masked positions get no gradient") {
  const IntTensor causal({0, 1, 1, 0, 0, 1, 0, 0, 0}, {3, 3});  // 1 above the diagonal
  const Tensor x = param({2, 3, 3}, 101);
  check_gradients([&](const auto& v) { return masked_fill(v[0], causal, -1e9f); }, {x});
  x.zero_grad();  // gradcheck left its own gradient here
  masked_fill(x, causal, 5.0f).sum().backward();
  CHECK(x.grad().to_vector()[1] == 0.0f);
  CHECK(x.grad().to_vector()[0] == 1.0f);
}

TEST_CASE("masked_fill rejects a mask that does not broadcast") {
  check_error([] { masked_fill(zeros({2, 3}), IntTensor({0, 1}, {2}), 0.0f); }, {"masked_fill", "[2]", "[2, 3]"});
}
