// Tests of autograd/ops/embedding.cpp — embedding: PyTorch values and weight gradient (padding row untouched), gradcheck, errors.
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("embedding matches PyTorch, and the padding row gets no gradient") {
  const IntTensor ids = fixture_ints("embedding.ids");
  check_reference("embedding", 1, [&](const auto& w) { return embedding(w[0], ids, 0); });
}

TEST_CASE("embedding gradcheck with repeated ids") {
  const Tensor w = param({5, 70}, 111);  // wider than one column block
  const IntTensor ids({1, 4, 1, 0, 2, 1}, {2, 3});
  check_gradients([&](const auto& v) { return embedding(v[0], ids); }, {w});
  w.zero_grad();  // gradcheck left its own gradient here
  embedding(w, ids, 1).sum().backward();
  const std::vector<float> g = w.grad().to_vector();
  CHECK(g[1 * 70] == 0.0f);  // padding row
  CHECK(g[4 * 70] == 1.0f);
}

TEST_CASE("embedding rejects an id outside the vocabulary") {
  check_error([] { embedding(zeros({4, 2}), IntTensor({1, 4}, {2}), -1); }, {"embedding", "id 4", "position 1", "4"});
  check_error([] { embedding(zeros({4}), IntTensor({1}, {1}), -1); }, {"embedding", "[4]"});
}
