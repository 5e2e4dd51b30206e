// gradcheck itself: it passes a correct op and catches a wrong backward.
#include "autograd/node.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

namespace {
// x³ with a deliberately wrong derivative (2x² instead of 3x²).
Tensor cube_with_bad_backward(const Tensor& x) {
  const Tensor y = x.detach() * x.detach() * x.detach();
  return record("bad_cube", y, {x}, [xs = x.detach()](const Tensor& dy) {
    return std::vector<Tensor>{dy * xs * xs * 2.0f};
  });
}
}  // namespace

TEST_CASE("gradcheck passes a correct op and reports a wrong backward") {
  const Tensor x = param({3, 2}, 151);
  const GradcheckResult good = gradcheck([](const auto& v) { return v[0] * v[0] * v[0]; }, {x});
  CHECK(good.ok);
  CHECK(good.checked == 6);
  const GradcheckResult bad = gradcheck([](const auto& v) { return cube_with_bad_backward(v[0]); }, {x});
  CHECK_FALSE(bad.ok);
  CHECK(bad.mismatches > 0);
  CHECK(bad.report.find("input 0") != std::string::npos);
  CHECK(bad.report.find("analytic") != std::string::npos);
}

TEST_CASE("gradcheck restores its inputs") {
  const Tensor x = param({4}, 152);
  const std::vector<float> before = x.to_vector();
  gradcheck([](const auto& v) { return exp(v[0]); }, {x});
  CHECK(x.to_vector() == before);
}
