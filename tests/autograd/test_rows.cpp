// Tests of autograd/ops/rows.cpp — gather_rows and scatter_rows: PyTorch values (index_select,
// index_copy) and gradients, gradcheck, each undoing the other, errors.
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("gather_rows matches PyTorch's index_select") {
  const IntTensor rows = fixture_ints("gather_rows.rows");
  check_reference("gather_rows", 1, [&](const auto& x) { return gather_rows(x[0], rows); });
}

TEST_CASE("scatter_rows matches PyTorch's index_copy into zeros") {
  const IntTensor rows = fixture_ints("scatter_rows.rows");
  check_reference("scatter_rows", 1, [&](const auto& x) { return scatter_rows(x[0], rows, 5); });
}

TEST_CASE("gather_rows and scatter_rows: gradcheck, and each undoes the other") {
  const IntTensor rows({3, 0, 5, 1}, {4});
  const Tensor wide = param({6, 70}, 31), packed = param({4, 70}, 32);
  check_gradients([&](const auto& v) { return gather_rows(v[0], rows); }, {wide});
  check_gradients([&](const auto& v) { return scatter_rows(v[0], rows, 6); }, {packed});
  CHECK(gather_rows(scatter_rows(packed, rows, 6), rows).to_vector() == packed.to_vector());
  // Rows 2 and 4 hold no packed row: zeros, even in memory the cache hands back dirty (a freed
  // block of the same size is reused first), forward and as gather_rows' gradient.
  { const Tensor dirty = full({6, 70}, 7.0f); }
  const std::vector<float> unpacked = scatter_rows(packed, rows, 6).to_vector();
  const Tensor from = param({6, 70}, 34);
  { const Tensor dirty = full({6, 70}, 7.0f); }
  sum(gather_rows(from, rows)).backward();
  const std::vector<float> grad = from.grad().to_vector();
  for (int64_t c = 0; c < 70; ++c) {
    CHECK(unpacked[2 * 70 + c] == 0.0f);
    CHECK(unpacked[4 * 70 + c] == 0.0f);
    CHECK(grad[2 * 70 + c] == 0.0f);
    CHECK(grad[4 * 70 + c] == 0.0f);
    CHECK(grad[3 * 70 + c] == 1.0f);
  }
  // A transposed (non-contiguous) input is read through its strides.
  const Tensor t = transpose(param({3, 6}, 33), 0, 1);  // [6, 3]
  CHECK(gather_rows(t, rows).to_vector() == gather_rows(contiguous(t), rows).to_vector());
}

TEST_CASE("gather_rows and scatter_rows reject bad rows and shapes") {
  check_error([] { gather_rows(zeros({4, 2}), IntTensor({1, 4}, {2})); }, {"gather_rows", "row 4", "position 1"});
  check_error([] { gather_rows(zeros({4, 2}), IntTensor({2, 2}, {2})); }, {"gather_rows", "row 2", "twice"});
  check_error([] { gather_rows(zeros({4}), IntTensor({1}, {1})); }, {"gather_rows", "[4]"});
  check_error([] { scatter_rows(zeros({3, 2}), IntTensor({0, 1}, {2}), 4); }, {"scatter_rows", "[3, 2]", "2 rows"});
  check_error([] { scatter_rows(zeros({2, 2}), IntTensor({0, -1}, {2}), 4); }, {"scatter_rows", "row -1"});
}
