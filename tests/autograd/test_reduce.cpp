// Tests of autograd/ops/reduce.cpp — sum, mean, max, argmax, sum_to: PyTorch values, gradcheck, and errors.
#include "autograd/threading.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("reductions match PyTorch") {
  check_reference("sum_all", 1, [](const auto& x) { return sum(x[0]); });
  check_reference("sum_dims", 1, [](const auto& x) { return sum(x[0], {0, 2}, true); });
  check_reference("sum_middle", 1, [](const auto& x) { return sum(x[0], {1}); });
  check_reference("mean_last", 1, [](const auto& x) { return mean(x[0], {-1}); });
  check_reference("max_dim", 1, [](const auto& x) { return max(x[0], 1); });
}

TEST_CASE("reductions gradcheck") {
  const Tensor x = param({3, 4, 5}, 81);
  check_gradients([](const auto& v) { return sum(v[0]); }, {x});
  check_gradients([](const auto& v) { return sum(v[0], {0, 2}, true); }, {x});
  check_gradients([](const auto& v) { return sum(v[0], {1}); }, {x});
  check_gradients([](const auto& v) { return mean(v[0], {0, 1}); }, {x});
  check_gradients([](const auto& v) { return mean(v[0]); }, {x});
  check_gradients([](const auto& v) { return max(v[0], 1, true); }, {x});
  check_gradients([](const auto& v) { return max(v[0], -1); }, {x});
  check_gradients([](const auto& v) { return sum(transpose(v[0], 0, 2), {0}); }, {x});
}

// Column sums of one tall matrix (a bias gradient) go through row blocks of partial sums; the
// last block is short here (1000 = 7 x 128 + 104). The blocks are fixed, so the thread count
// cannot change a bit of the result.
TEST_CASE("sum over a large column block equals a double-precision sum, for any thread count") {
  const Tensor x = param({1000, 300}, 82);
  const Tensor s = sum(x, {0});
  const std::vector<float> values = x.to_vector(), sums = s.to_vector();
  for (int64_t j = 0; j < 300; ++j) {
    double acc = 0;
    for (int64_t i = 0; i < 1000; ++i) acc += values[i * 300 + j];
    CHECK(sums[j] == doctest::Approx(acc).epsilon(1e-5));
  }
  const int threads = num_threads();
  set_num_threads(1);
  const std::vector<float> one_thread = sum(x, {0}).to_vector();
  set_num_threads(threads);
  CHECK(one_thread == sums);
}

TEST_CASE("argmax returns the first maximum, and sum_to undoes broadcasting") {
  const Tensor x = from_values({1, 5, 5, 2, 9, 0}, {2, 3});
  const IntTensor idx = argmax(x, 1);
  CHECK(idx.values == std::vector<int32_t>{1, 1});
  CHECK(idx.shape == Shape{2});
  const Tensor g = ones({2, 3, 4});
  CHECK(sum_to(g, {3, 1}).to_vector() == std::vector<float>{8, 8, 8});
  CHECK(sum_to(g, {2, 3, 4}).is_same(g));
}

TEST_CASE("reduction errors name the op and the shape") {
  check_error([] { sum(zeros({2, 3}), {2}); }, {"sum", "dim 2"});
  check_error([] { sum(zeros({2, 3}), {1, 1}); }, {"sum", "repeated"});
  check_error([] { max(zeros({2, 0}), 1); }, {"max", "[2, 0]"});
  check_error([] { sum_to(zeros({2, 3}), {4}); }, {"sum_to", "[2, 3]", "[4]"});
}
