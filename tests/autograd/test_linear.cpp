// Tests of autograd/ops/linear.cpp: PyTorch values (through its composite definition, which the
// matmul fixtures check), equality with the composite twin, gradcheck, errors.
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("linear equals matmul + bias, values and gradients, with and without bias") {
  for (bool with_bias : {true, false}) {
    const Tensor x1 = param({2, 3, 8}, 401), x2 = param({2, 3, 8}, 401);
    const Tensor w1 = param({5, 8}, 402), w2 = param({5, 8}, 402);
    const Tensor b1 = with_bias ? param({5}, 403) : Tensor(), b2 = with_bias ? param({5}, 403) : Tensor();
    const Tensor fused = linear(x1, w1, b1);
    const Tensor composite = with_bias ? matmul(x2, w2, false, true) + b2 : matmul(x2, w2, false, true);
    check_close(fused, composite, 1e-6, 1e-6);
    const Tensor r = param({2, 3, 5}, 404);
    sum(fused * r.detach()).backward();
    sum(composite * r.detach()).backward();
    check_close(x1.grad(), x2.grad(), 1e-5, 1e-6);
    check_close(w1.grad(), w2.grad(), 1e-5, 1e-6);
    if (with_bias) check_close(b1.grad(), b2.grad(), 1e-5, 1e-6);
  }
}

TEST_CASE("linear matches PyTorch's matmul fixture with a transposed weight") {
  // matmul_broadcast is [2, 3, 4] x [4, 5]; as linear the weight is its transpose [5, 4].
  check_reference("matmul_broadcast", 2, [](const auto& v) { return linear(v[0], transpose(v[1], 0, 1)); });
}

TEST_CASE("linear gradcheck, and a weight that is a row slice of a bigger matrix") {
  const Tensor x = param({4, 6}, 411), w = param({3, 6}, 412), b = param({3}, 413), big = param({9, 6}, 414);
  check_gradients([](const auto& v) { return linear(v[0], v[1], v[2]); }, {x, w, b});
  check_gradients([](const auto& v) { return linear(v[0], slice(v[1], 0, 3, 6)); }, {x, big});
}

TEST_CASE("linear with a bias on a product big enough to be split across cores") {
  const Tensor x = param({1600, 64}, 415), w = param({96, 64}, 416), b = param({96}, 417);
  check_close(linear(x, w, b), matmul(x, w, false, true) + b, 1e-5, 1e-5);
  // A wide output is cut along N: each part must add its own slice of the bias.
  const Tensor x2 = param({40, 64}, 418), w2 = param({1200, 64}, 419), b2 = param({1200}, 420);
  check_close(linear(x2, w2, b2), matmul(x2, w2, false, true) + b2, 1e-5, 1e-5);
}

TEST_CASE("linear names the shapes that do not fit") {
  check_error([] { linear(zeros({2, 7}), zeros({3, 6})); }, {"linear", "[2, 7]", "[3, 6]"});
  check_error([] { linear(zeros({2, 6}), zeros({3, 6}), zeros({4})); }, {"linear", "[4]", "[3, 6]"});
}
