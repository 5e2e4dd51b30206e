// Tests of autograd/ops/softmax.cpp and softmax_reference.cpp — softmax, log_softmax and their composed twins:
// PyTorch values, gradcheck, the fused ops against the twins, and stability.
#include <cmath>
#include <limits>

#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("softmax and log_softmax match PyTorch") {
  check_reference("softmax", 1, [](const auto& x) { return softmax(x[0]); });
  check_reference("log_softmax", 1, [](const auto& x) { return log_softmax(x[0]); });
}

TEST_CASE("softmax_reference and log_softmax_reference match PyTorch") {
  check_reference("softmax", 1, [](const auto& x) { return softmax_reference(x[0]); });
  check_reference("log_softmax", 1, [](const auto& x) { return log_softmax_reference(x[0]); });
}

TEST_CASE("softmax and log_softmax gradcheck") {
  const Tensor x = param({3, 4, 6}, 91, 2.0f);
  check_gradients([](const auto& v) { return softmax(v[0]); }, {x});
  check_gradients([](const auto& v) { return log_softmax(v[0]); }, {x});
  check_gradients([](const auto& v) { return softmax(transpose(v[0], 0, 2)); }, {x});
  check_gradients([](const auto& v) { return softmax_reference(v[0]); }, {x});
  check_gradients([](const auto& v) { return log_softmax_reference(v[0]); }, {x});
}

TEST_CASE("fused softmax and log_softmax equal their composite twins, values and gradients") {
  for (bool log_form : {false, true}) {
    const Tensor a = param({5, 33}, 92, 3.0f), b = param({5, 33}, 92, 3.0f);
    const Tensor r = param({5, 33}, 93);
    const Tensor fused = log_form ? log_softmax(a) : softmax(a);
    const Tensor composite = log_form ? log_softmax_reference(b) : softmax_reference(b);
    check_close(fused, composite, 1e-5, 1e-6);
    sum(fused * r.detach()).backward();
    sum(composite * r.detach()).backward();
    check_close(a.grad(), b.grad(), 1e-4, 1e-6);
  }
}

TEST_CASE("softmax is stable for large inputs and gives zeros for a fully masked row") {
  const Tensor big = from_values({1000, 1001, 1002, -1000}, {1, 4});
  for (float v : softmax(big).to_vector()) CHECK(std::isfinite(v));
  for (float v : log_softmax(big).to_vector()) CHECK(std::isfinite(v));
  CHECK(softmax(big).to_vector()[2] == doctest::Approx(0.66524096));
  // The twins too: exp(1000) overflows unless the row's max is subtracted first.
  CHECK(softmax_reference(big).to_vector()[2] == doctest::Approx(0.66524096));
  CHECK(log_softmax_reference(big).to_vector()[2] == doctest::Approx(-0.40760596));
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor masked = from_values({-inf, -inf, 1, 2}, {2, 2});
  const std::vector<float> y = softmax(masked).to_vector();
  CHECK(y[0] == 0.0f);
  CHECK(y[1] == 0.0f);
  CHECK(y[2] + y[3] == doctest::Approx(1.0));
}
