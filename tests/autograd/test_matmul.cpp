// Tests of autograd/ops/matmul.cpp — matmul: PyTorch values for every layout, gradcheck, the split-across-cores path against a
// naive double-precision product, the primitive cache, and shape errors.
#include "autograd/kernels/matmul.h"
#include "autograd/threading.h"
#include "autograd/node.h"
#include "autograd/precision.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

namespace {

// Naive [..., M, K] x [..., K, N] with equal batch dims, in double.
Tensor naive_matmul(const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = contiguous(a_in.detach()), b = contiguous(b_in.detach());
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1), batch = a.numel() / (m * k);
  Shape shape = a.shape();
  shape.back() = n;
  Tensor out(shape);
  for (int64_t t = 0; t < batch; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += double(a.data()[t * m * k + i * k + p]) * b.data()[t * k * n + p * n + j];
        out.data()[t * m * n + i * n + j] = static_cast<float>(acc);
      }
  return out;
}

}  // namespace

TEST_CASE("matmul matches PyTorch for plain, batched, broadcast and transposed operands") {
  check_reference("matmul_2d", 2, [](const auto& x) { return matmul(x[0], x[1]); });
  check_reference("matmul_batched", 2, [](const auto& x) { return matmul(x[0], x[1]); });
  check_reference("matmul_broadcast", 2, [](const auto& x) { return matmul(x[0], x[1]); });
  check_reference("matmul_batch_broadcast", 2, [](const auto& x) { return matmul(x[0], x[1]); });
  check_reference("matmul_ta", 2, [](const auto& x) { return matmul(x[0], x[1], true, false); });
  check_reference("matmul_tb", 2, [](const auto& x) { return matmul(x[0], x[1], false, true); });
  check_reference("matmul_tab", 2, [](const auto& x) { return matmul(x[0], x[1], true, true); });
}

TEST_CASE("matmul gradcheck for every transpose flag and broadcast") {
  const Tensor a = param({2, 3, 4}, 21), b = param({2, 4, 5}, 22), w = param({4, 5}, 23);
  const Tensor at = param({2, 4, 3}, 24), bt = param({2, 5, 4}, 25), b1 = param({1, 4, 5}, 26);
  check_gradients([](const auto& x) { return matmul(x[0], x[1]); }, {a, b});
  check_gradients([](const auto& x) { return matmul(x[0], x[1]); }, {a, w});
  check_gradients([](const auto& x) { return matmul(x[0], x[1]); }, {a, b1});
  check_gradients([](const auto& x) { return matmul(x[0], x[1], true, false); }, {at, b});
  check_gradients([](const auto& x) { return matmul(x[0], x[1], false, true); }, {a, bt});
  check_gradients([](const auto& x) { return matmul(x[0], x[1], true, true); }, {at, bt});
}

TEST_CASE("matmul of large products (split across cores) equals a naive product") {
  for (MatmulThreading mode : {MatmulThreading::kTbb, MatmulThreading::kOpenMP}) {
    set_matmul_threading(mode);
    const Tensor a = param({256, 128}, 31), b = param({128, 96}, 32);
    check_close(matmul(a, b), naive_matmul(a, b), 1e-4, 1e-4);
    const Tensor wide = param({128, 600}, 37);  // N > M: cut along N
    check_close(matmul(slice(a, 0, 0, 48), wide), naive_matmul(slice(a, 0, 0, 48), wide), 1e-4, 1e-4);
    check_close(matmul(wide, a, true, true), naive_matmul(transpose(wide, 0, 1), transpose(a, 0, 1)), 1e-4, 1e-4);
    const Tensor p = param({3, 64, 96}, 33), q = param({3, 96, 80}, 34);
    check_close(matmul(p, q), naive_matmul(p, q), 1e-4, 1e-4);
    // Attention layout: [B, T, H, Dh] storage seen as [B, H, T, Dh] through permute.
    const Tensor qh = permute(param({4, 32, 8, 16}, 35), {0, 2, 1, 3});
    const Tensor kh = permute(param({4, 32, 8, 16}, 36), {0, 2, 1, 3});
    check_close(matmul(qh, kh, false, true), naive_matmul(qh, transpose(kh, -2, -1)), 1e-4, 1e-4);
  }
  set_matmul_threading(MatmulThreading::kTbb);
}

// A weight gradient dYᵀ·X whose row strides are multiples of 256 floats runs on copies with
// padded rows (matmul.cpp: cache-set aliasing); the copies must hold exactly the operands' rows.
TEST_CASE("matmul of weight gradients with aliasing row strides equals a naive product") {
  for (MatmulThreading mode : {MatmulThreading::kTbb, MatmulThreading::kOpenMP}) {
    set_matmul_threading(mode);
    const Tensor dy = param({300, 256}, 61), x = param({300, 512}, 62), x_odd = param({300, 200}, 63);
    check_close(matmul(dy, x, true, false), naive_matmul(transpose(dy, 0, 1), x), 1e-4, 1e-4);
    check_close(matmul(dy, x_odd, true, false), naive_matmul(transpose(dy, 0, 1), x_odd), 1e-4, 1e-4);
    check_close(matmul(x_odd, x, true, false), naive_matmul(transpose(x_odd, 0, 1), x), 1e-4, 1e-4);
    // Column slices: rows 512 floats apart but only 128 or 320 of them used.
    const Tensor dy_part = slice(x, 1, 0, 128), x_part = slice(x, 1, 192, 512);
    check_close(matmul(dy_part, x_part, true, false), naive_matmul(transpose(dy_part, 0, 1), x_part), 1e-4, 1e-4);
  }
  set_matmul_threading(MatmulThreading::kTbb);
}

TEST_CASE("matmul with transpose flags never copies its operands") {
  const Tensor q = param({2, 3, 4}, 41), k = param({2, 5, 4}, 42);
  const Tensor scores = matmul(q, k, false, true);
  REQUIRE(scores.grad_fn());
  CHECK(std::string(scores.grad_fn()->name) == "matmul");
  CHECK(scores.grad_fn()->inputs[1].is_same(k));  // k itself, not a contiguous copy
  const Tensor permuted = permute(param({2, 3, 4, 4}, 43), {0, 2, 1, 3});
  const Tensor product = matmul(permuted, permuted, false, true);
  CHECK(std::string(product.grad_fn()->inputs[0].grad_fn()->name) == "permute");
}

TEST_CASE("matmul caches one primitive per shape") {
  const Tensor a = param({7, 9}, 51), b = param({9, 11}, 52);
  matmul(a, b);
  const int64_t cached = matmul_cache_size();
  matmul(a, b);
  CHECK(matmul_cache_size() == cached);
  matmul(param({7, 9}, 53), param({9, 12}, 54));
  CHECK(matmul_cache_size() == cached + 1);
}

TEST_CASE("a product over an empty inner dim is zero, or the bias, in fp32 and bf16") {
  const Tensor a({3, 0}), b({0, 4}), bias = param({4}, 55);
  for (Precision precision : {Precision::kFp32, Precision::kBf16}) {
    if (precision == Precision::kBf16 && !bf16_is_native()) continue;  // oneDNN's bf16 emulation is not asked here
    Tensor plain = param({3, 4}, 56), biased = param({3, 4}, 57);  // filled, so a skipped write shows
    matmul_kernel(matmul_operand(a, 2), matmul_operand(b, 2), plain.data(), contiguous_strides({3, 4}), nullptr,
                  precision);
    matmul_kernel(matmul_operand(a, 2), matmul_operand(b, 2), biased.data(), contiguous_strides({3, 4}), bias.data(),
                  precision);
    CHECK(plain.to_vector() == std::vector<float>(12, 0.0f));
    std::vector<float> rows;
    for (int i = 0; i < 3; ++i) rows.insert(rows.end(), bias.data(), bias.data() + 4);
    CHECK(biased.to_vector() == rows);
  }
}

TEST_CASE("matmul names both shapes when they do not fit") {
  check_error([] { matmul(zeros({2, 3}), zeros({4, 5})); }, {"matmul", "[2, 3]", "[4, 5]"});
  check_error([] { matmul(zeros({3}), zeros({3, 5})); }, {"matmul", "[3]"});
  check_error([] { matmul(zeros({2, 3, 4}), zeros({3, 4, 5})); }, {"matmul", "[2, 3, 4]", "[3, 4, 5]"});
}
