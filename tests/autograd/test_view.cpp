// Tests of autograd/ops/view.cpp — view, reshape, transpose, permute, expand, contiguous, clone, slice: PyTorch values,
// gradcheck, storage sharing, and errors.
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("view ops match PyTorch") {
  check_reference("view", 1, [](const auto& x) { return view(x[0], {4, 6}); });
  check_reference("reshape", 1, [](const auto& x) { return reshape(transpose(x[0], 0, 1), {3, 8}); });
  check_reference("transpose", 1, [](const auto& x) { return transpose(x[0], 0, 2); });
  check_reference("permute", 1, [](const auto& x) { return permute(x[0], {2, 0, 1}); });
  check_reference("expand", 1, [](const auto& x) { return expand(x[0], {2, 3, 4}); });
  check_reference("contiguous", 1, [](const auto& x) { return contiguous(permute(x[0], {1, 0, 2})); });
  check_reference("slice", 1, [](const auto& x) { return slice(x[0], 1, 1, 3); });
}

TEST_CASE("view ops gradcheck") {
  const Tensor x = param({2, 3, 4}, 61), col = param({3, 1}, 62);
  check_gradients([](const auto& v) { return view(v[0], {4, -1}); }, {x});
  check_gradients([](const auto& v) { return reshape(transpose(v[0], 0, 1), {3, 8}); }, {x});
  check_gradients([](const auto& v) { return transpose(v[0], 0, 2); }, {x});
  check_gradients([](const auto& v) { return permute(v[0], {2, 0, 1}); }, {x});
  check_gradients([](const auto& v) { return expand(v[0], {2, 3, 4}); }, {col});
  check_gradients([](const auto& v) { return contiguous(permute(v[0], {1, 2, 0})); }, {x});
  check_gradients([](const auto& v) { return clone(v[0]); }, {x});
  check_gradients([](const auto& v) { return slice(v[0], -1, 1, 3); }, {x});
}

TEST_CASE("views share storage and contiguous copies only when needed") {
  const Tensor x = arange(0, 24).view({2, 3, 4});
  const Tensor v = view(x, {6, 4});
  CHECK(v.storage() == x.storage());
  CHECK(contiguous(x).is_same(x));
  const Tensor t = transpose(x, 1, 2);
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.storage() == x.storage());
  const Tensor c = contiguous(t);
  CHECK(c.is_contiguous());
  CHECK(c.storage() != x.storage());
  CHECK(c.to_vector() == t.to_vector());
  CHECK(t.to_vector()[1] == 4.0f);  // t[0][0][1] = x[0][1][0]
  const Tensor s = slice(x, 2, 1, 3);
  CHECK(s.to_vector() == std::vector<float>{1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22});
  CHECK(clone(x).storage() != x.storage());
}

TEST_CASE("view ops name the shapes in their errors") {
  check_error([] { view(zeros({2, 3}), {4, 2}); }, {"view", "[2, 3]", "[4, 2]"});
  check_error([] { view(transpose(zeros({2, 3}), 0, 1), {6}); }, {"view", "not contiguous", "reshape"});
  check_error([] { permute(zeros({2, 3}), {0, 0}); }, {"permute", "repeated"});
  check_error([] { expand(zeros({2, 3}), {4, 3}); }, {"expand", "[2, 3]", "[4, 3]"});
  check_error([] { slice(zeros({2, 3}), 1, 2, 5); }, {"slice", "[2, 3]"});
  check_error([] { transpose(zeros({2, 3}), 0, 2); }, {"transpose", "dim 2"});
}
