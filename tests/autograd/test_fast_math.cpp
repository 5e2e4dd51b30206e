// fast_exp against std::exp over its whole range, and at the edges the kernels rely on.
#include <cmath>
#include <limits>

#include "autograd/kernels/fast_math.h"
#include "tests/reference.h"

using namespace mt;

TEST_CASE("fast_exp is within 2 ulp of std::exp from -87 to 88") {
  double worst = 0.0;
  float worst_x = 0.0f;
  for (float x = -87.0f; x <= 88.0f; x += 0.000731f) {
    const double exact = std::exp(static_cast<double>(x));
    const double rel = std::abs(fast_exp(x) - exact) / exact;
    if (rel > worst) worst = rel, worst_x = x;
  }
  CHECK_MESSAGE(worst < 2.4e-7, "worst relative error ", worst, " at x = ", worst_x);  // 2 ulp = 2·2^-23
}

TEST_CASE("fast_exp edges: exact at 0, zero for -inf and far below, finite for large inputs") {
  CHECK(fast_exp(0.0f) == 1.0f);
  CHECK(fast_exp(-std::numeric_limits<float>::infinity()) == 0.0f);
  CHECK(fast_exp(-100.0f) == 0.0f);
  CHECK(std::isfinite(fast_exp(88.0f)));
  CHECK(std::isnan(fast_exp(std::numeric_limits<float>::quiet_NaN())));
}
