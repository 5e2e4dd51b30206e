// Tests of autograd/ops/cross_entropy.cpp and its composed twin cross_entropy_reference (softmax_reference.cpp):
// PyTorch values with ignore_index and label smoothing, gradcheck, the fused op against the twin, and errors.
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("cross_entropy matches PyTorch with ignore_index and label smoothing") {
  const IntTensor targets = fixture_ints("cross_entropy.targets");
  check_reference("cross_entropy", 1, [&](const auto& x) { return cross_entropy(x[0], targets, 0); });
  check_reference("cross_entropy_smooth", 1, [&](const auto& x) { return cross_entropy(x[0], targets, 0, 0.1f); });
}

TEST_CASE("cross_entropy_reference matches PyTorch with ignore_index and label smoothing") {
  const IntTensor targets = fixture_ints("cross_entropy.targets");
  check_reference("cross_entropy", 1, [&](const auto& x) { return cross_entropy_reference(x[0], targets, 0); });
  check_reference("cross_entropy_smooth", 1,
                  [&](const auto& x) { return cross_entropy_reference(x[0], targets, 0, 0.1f); });
}

TEST_CASE("cross_entropy gradcheck") {
  const Tensor x = param({5, 7}, 141, 2.0f);
  const IntTensor t({3, 0, 6, 0, 1}, {5});
  check_gradients([&](const auto& v) { return cross_entropy(v[0], t, 0); }, {x});
  check_gradients([&](const auto& v) { return cross_entropy(v[0], t, 0, 0.2f); }, {x});
  check_gradients([&](const auto& v) { return cross_entropy(v[0], t); }, {x});
  check_gradients([&](const auto& v) { return cross_entropy_reference(v[0], t, 0, 0.2f); }, {x});
}

TEST_CASE("fused cross_entropy equals its composite twin, values and gradients") {
  const IntTensor t({3, 0, 6, 2, 0, 1, 5, 4}, {8});
  for (float eps : {0.0f, 0.1f}) {
    const Tensor a = param({8, 300}, 142, 3.0f), b = param({8, 300}, 142, 3.0f);
    const Tensor fused = cross_entropy(a, t, 0, eps);
    const Tensor composite = cross_entropy_reference(b, t, 0, eps);
    check_close(fused, composite, 1e-5, 1e-6);
    fused.backward();
    composite.backward();
    check_close(a.grad(), b.grad(), 1e-4, 1e-7);
  }
}

TEST_CASE("cross_entropy with a divisor: micro-batches' losses and gradients add up to the whole batch's") {
  const IntTensor t({3, 0, 6, 2, 0, 1, 5, 4}, {8}), first({3, 0, 6, 2}, {4}), second({0, 1, 5, 4}, {4});
  for (float eps : {0.0f, 0.1f}) {
    const Tensor whole = param({8, 30}, 144, 3.0f), parts = param({8, 30}, 144, 3.0f);
    const Tensor loss = cross_entropy(whole, t, 0, eps);  // mean over the 6 kept targets
    int64_t counted = 0;
    const Tensor a = cross_entropy(slice(parts, 0, 0, 4), first, 0, eps, &counted, 6);
    CHECK(counted == 3);
    const Tensor b = cross_entropy(slice(parts, 0, 4, 8), second, 0, eps, nullptr, 6);
    CHECK(a.item() + b.item() == doctest::Approx(loss.item()).epsilon(1e-6));
    loss.backward();
    (a + b).backward();
    check_close(parts.grad(), whole.grad(), 1e-6, 1e-7);
  }
  const Tensor x = param({5, 7}, 145, 2.0f);
  check_gradients([&](const auto& v) { return cross_entropy(v[0], IntTensor({3, 0, 6, 0, 1}, {5}), 0, 0.1f, nullptr, 9); },
                  {x});
  check_error([] { cross_entropy(zeros({1, 3}), IntTensor({1}, {1}), 0, 0.0f, nullptr, -1); }, {"divisor", "-1"});
}

TEST_CASE("cross_entropy with every target ignored is 0 with zero gradient, and so is its twin") {
  for (bool fused : {true, false}) {
    const Tensor x = param({2, 3}, 143);
    const IntTensor pad({0, 0}, {2});
    const Tensor loss = fused ? cross_entropy(x, pad, 0) : cross_entropy_reference(x, pad, 0);
    CHECK(loss.item() == 0.0f);
    loss.backward();
    CHECK(x.grad().to_vector() == std::vector<float>(6, 0.0f));
  }
}

TEST_CASE("cross_entropy names bad targets and shapes") {
  check_error([] { cross_entropy(zeros({2, 3}), IntTensor({1, 3}, {2}), 0); }, {"cross_entropy", "target 3", "row 1"});
  check_error([] { cross_entropy(zeros({2, 3}), IntTensor({1}, {1}), 0); }, {"cross_entropy", "[1]", "[2, 3]"});
  check_error([] { cross_entropy(zeros({6}), IntTensor({1}, {1}), 0); }, {"cross_entropy", "[6]"});
  check_error([] { cross_entropy_reference(zeros({2, 3}), IntTensor({1, 3}, {2}), 0); },
              {"cross_entropy_reference", "target 3", "row 1"});
  check_error([] { cross_entropy_reference(zeros({2, 3}), IntTensor({1}, {1}), 0); },
              {"cross_entropy_reference", "[1]", "[2, 3]"});
}
