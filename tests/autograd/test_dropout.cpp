// Tests of autograd/ops/dropout.cpp — dropout: identity in evaluation (PyTorch fixture), drop rate and scaling in training,
// reproducible masks, gradcheck with a fixed mask, errors; residual_dropout against its composite twin.
#include <cmath>

#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("dropout in evaluation is the identity, as in PyTorch") {
  check_reference("dropout_eval", 1, [](const auto& x) { return dropout(x[0], 0.3f, false); });
  const Tensor x = ones({4});
  CHECK(dropout(x, 0.0f, true).is_same(x));
}

TEST_CASE("dropout in training drops a fraction p and scales the rest by 1/(1-p)") {
  manual_seed(7);
  const Tensor x = ones({200000});
  const std::vector<float> y = dropout(x, 0.3f, true).to_vector();
  int64_t zeros_seen = 0;
  for (float v : y) {
    if (v == 0.0f) ++zeros_seen;
    else CHECK_MESSAGE(std::abs(v - 1.0f / 0.7f) < 1e-6f, v);
  }
  // Binomial(200000, 0.3): standard deviation ~205, so 0.3 ± 0.005 is ~5 standard deviations.
  CHECK(std::abs(double(zeros_seen) / y.size() - 0.3) < 0.005);
  const std::vector<float> all_dropped = dropout(ones({10}), 1.0f, true).to_vector();
  CHECK(all_dropped == std::vector<float>(10, 0.0f));
}

TEST_CASE("dropout masks repeat under the same seed and differ otherwise") {
  const Tensor x = ones({64});
  manual_seed(3);
  const std::vector<float> first = dropout(x, 0.5f, true).to_vector();
  const std::vector<float> second = dropout(x, 0.5f, true).to_vector();
  manual_seed(3);
  CHECK(dropout(x, 0.5f, true).to_vector() == first);
  CHECK(first != second);
}

TEST_CASE("dropout gradcheck with a fixed mask") {
  const Tensor x = param({4, 6}, 121);
  check_gradients([](const auto& v) {
    manual_seed(5);  // the same mask on every evaluation
    return dropout(v[0], 0.4f, true);
  }, {x});
}

TEST_CASE("dropout rejects a probability outside [0, 1]") {
  check_error([] { dropout(ones({2}), 1.5f, true); }, {"dropout", "1.5"});
}

TEST_CASE("residual_dropout equals residual + dropout(x) with the same draws, values and gradients") {
  const Tensor r1 = param({3, 5, 7}, 401), x1 = param({3, 5, 7}, 402);
  const Tensor r2 = param({3, 5, 7}, 401), x2 = param({3, 5, 7}, 402);
  manual_seed(11);
  const Tensor fused = residual_dropout(r1, x1, 0.4f, true);
  manual_seed(11);
  const Tensor composite = r2 + dropout(x2, 0.4f, true);
  check_close(fused, composite, 1e-6, 1e-7);  // the same draws; the fused sum may round once (FMA)
  const Tensor w = param({3, 5, 7}, 403);
  sum(fused * w.detach()).backward();
  sum(composite * w.detach()).backward();
  CHECK(r1.grad().to_vector() == r2.grad().to_vector());
  CHECK(x1.grad().to_vector() == x2.grad().to_vector());
  CHECK(random_counter() > 0);  // both drew their counters from the same generator
}

TEST_CASE("residual_dropout gradcheck, evaluation mode, and errors") {
  const Tensor r = param({4, 6}, 404), x = param({4, 6}, 405);
  check_gradients([](const auto& v) {
    manual_seed(6);
    return residual_dropout(v[0], v[1], 0.3f, true);
  }, {r, x});
  check_close(residual_dropout(r, x, 0.3f, false), r + x, 0.0, 0.0);
  check_close(residual_dropout(r, x, 0.0f, true), r + x, 0.0, 0.0);
  check_error([&] { residual_dropout(r, param({6, 4}, 406), 0.1f, true); }, {"residual_dropout", "[4, 6]", "[6, 4]"});
  check_error([&] { residual_dropout(r, x, 1.0f, true); }, {"residual_dropout", "[0, 1)"});
}
