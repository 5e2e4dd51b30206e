// Tests of autograd/precision.cpp and the bf16 products of autograd/kernels/matmul.cpp. Each
// product in bf16 is checked two ways: against a double product of the same operands rounded to
// bf16 (tight: a wrong layout or an accumulation in bf16 fails it), and against the fp32 product
// within the bound of bf16 rounding. Skipped, with the reason, where the CPU has no bf16.
#include <thread>

#include "autograd/kernels/bf16.h"
#include "autograd/kernels/matmul.h"
#include "autograd/precision.h"
#include "autograd/threading.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

namespace {

// ctest reports a case that prints this as skipped (SKIP_REGULAR_EXPRESSION, CMakeLists.txt).
bool bf16_or_skip() {
  if (bf16_is_native()) return true;
  MESSAGE("skipped: no bf16 products on this CPU (", matmul_library(), "; needs AVX512_BF16 or AMX)");
  return false;
}

Tensor rounded(const Tensor& x) {
  Tensor out = clone(x.detach());
  for (int64_t i = 0; i < out.numel(); ++i) out.data()[i] = round_to_bf16(out.data()[i]);
  return out;
}

// [..., M, K] x [..., K, N] (equal batch dims) in double: Σ a·b, and Σ |a·b| for error bounds.
std::pair<Tensor, Tensor> naive_product(const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = contiguous(a_in.detach()), b = contiguous(b_in.detach());
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1), batch = a.numel() / (m * k);
  Shape shape = a.shape();
  shape.back() = n;
  Tensor out(shape), magnitude(shape);
  for (int64_t t = 0; t < batch; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0, abs_sum = 0;
        for (int64_t p = 0; p < k; ++p) {
          const double term = double(a.data()[t * m * k + i * k + p]) * b.data()[t * k * n + p * n + j];
          sum += term;
          abs_sum += std::abs(term);
        }
        out.data()[t * m * n + i * n + j] = static_cast<float>(sum);
        magnitude.data()[t * m * n + i * n + j] = static_cast<float>(abs_sum);
      }
  return {out, magnitude};
}

// Checks |actual - expected| <= rel · magnitude + 1e-6 everywhere; returns the largest
// difference.
double check_within(const Tensor& actual, const Tensor& expected, const Tensor& magnitude, double rel) {
  REQUIRE(actual.shape() == expected.shape());
  const std::vector<float> a = contiguous(actual).to_vector(), e = expected.to_vector(), m = magnitude.to_vector();
  int64_t bad = 0;
  double largest = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double diff = std::abs(double(a[i]) - e[i]);
    largest = std::max(largest, diff);
    if (!(diff <= rel * m[i] + 1e-6)) ++bad;
  }
  CHECK_MESSAGE(bad == 0, bad, " of ", a.size(), " values off by more than ", rel, " of Σ|a·b|; largest difference ",
                largest);
  return largest;
}

// bf16 keeps 8 significant bits: rounding moves each operand by at most 2^-8 of itself, a
// product of two by at most 2^-7 + 2^-16. fp32 accumulation adds far less (K·2^-24 at most).
constexpr double kBf16Bound = 1.0 / 128 + 1.0 / (1 << 16) + 1e-5;
// The bf16 product against a double product of the same rounded operands: fp32 accumulation only.
constexpr double kAccumulationBound = 1e-5;

// c = op(a, b) in bf16 checked both ways; op(a, b) must be a plain product of (views of) a and
// b, given also as the [..., M, K] and [..., K, N] operands `am`, `bm` it multiplies.
void check_product(const std::function<Tensor()>& op, const Tensor& am, const Tensor& bm) {
  Tensor fp32, bf16;
  {
    PrecisionGuard guard(Precision::kFp32);
    fp32 = op();
  }
  {
    PrecisionGuard guard(Precision::kBf16);
    bf16 = op();
  }
  const auto [exact_rounded, rounded_magnitude] = naive_product(rounded(am), rounded(bm));
  check_within(bf16, exact_rounded, rounded_magnitude, kAccumulationBound);
  const auto [exact, magnitude] = naive_product(am, bm);
  check_within(bf16, exact, magnitude, kBf16Bound);
  // And the product did run in bf16: it differs from fp32 by more than fp32's own error.
  CHECK(check_within(fp32, exact, magnitude, kAccumulationBound) < 1e-4);
  double bf16_vs_fp32 = 0;
  const std::vector<float> x = contiguous(bf16).to_vector(), y = contiguous(fp32).to_vector();
  for (size_t i = 0; i < x.size(); ++i) bf16_vs_fp32 = std::max(bf16_vs_fp32, double(std::abs(x[i] - y[i])));
  CHECK(bf16_vs_fp32 > 1e-3);
}

}  // namespace

TEST_CASE("bf16 rounding: nearest, ties to even, NaN and infinity kept") {
  CHECK(round_to_bf16(1.0f) == 1.0f);
  CHECK(round_to_bf16(1.0f + 1.0f / 256) == 1.0f);                    // a tie: to the even 1.0
  CHECK(round_to_bf16(1.0f + 3.0f / 256) == 1.0f + 4.0f / 256);       // a tie: to the even 1 + 4/256
  CHECK(round_to_bf16(1.0f + 1.0f / 256 + 1e-6f) == 1.0f + 2.0f / 256);  // above the tie: up
  CHECK(round_to_bf16(-3.14159f) == -3.140625f);
  CHECK(std::isnan(round_to_bf16(std::nanf(""))));
  CHECK(std::isinf(round_to_bf16(std::numeric_limits<float>::infinity())));
  CHECK(round_to_bf16(3.4e38f) == std::numeric_limits<float>::infinity());  // past bf16's largest: overflows
}

TEST_CASE("bf16 products of every layout equal products of the rounded operands, within bf16 of fp32") {
  if (!bf16_or_skip()) return;
  for (MatmulThreading mode : {MatmulThreading::kTbb, MatmulThreading::kOpenMP}) {
    set_matmul_threading(mode);
    const Tensor a = param({96, 64}, 1), b = param({64, 80}, 2), at = param({64, 96}, 3), bt = param({80, 64}, 4);
    check_product([&] { return matmul(a, b); }, a, b);
    check_product([&] { return matmul(at, b, true, false); }, transpose(at, 0, 1), b);
    check_product([&] { return matmul(a, bt, false, true); }, a, transpose(bt, 0, 1));
    check_product([&] { return matmul(at, bt, true, true); }, transpose(at, 0, 1), transpose(bt, 0, 1));
    const Tensor p = param({3, 40, 64}, 5), q = param({3, 64, 48}, 6);
    check_product([&] { return matmul(p, q); }, p, q);
    // Large enough to be split across cores (along M, then along N).
    const Tensor big = param({512, 256}, 7), wide = param({256, 700}, 8);
    check_product([&] { return matmul(big, slice(wide, 1, 0, 300)); }, big, slice(wide, 1, 0, 300));
    check_product([&] { return matmul(slice(big, 0, 0, 64), wide); }, slice(big, 0, 0, 64), wide);
    // Attention's layout: [B, T, H, Dh] storage seen as [B, H, T, Dh].
    const Tensor qh = permute(param({4, 32, 8, 16}, 9), {0, 2, 1, 3}), kh = permute(param({4, 32, 8, 16}, 10), {0, 2, 1, 3});
    check_product([&] { return matmul(qh, kh, false, true); }, qh, transpose(kh, -2, -1));
  }
  set_matmul_threading(MatmulThreading::kTbb);
}

TEST_CASE("a bf16 copy holds each element rounded, and a product that carries it reads it in place of rounding") {
  const Tensor x = param({300, 257}, 15);  // large enough to be rounded by several tasks
  const Bf16Copy copy(x);
  int64_t wrong = 0;
  for (int64_t i = 0; i < x.numel(); ++i) wrong += copy.data()[i] != to_bf16(x.data()[i]);
  CHECK(wrong == 0);
  CHECK_THROWS_WITH_AS(Bf16Copy(transpose(x, 0, 1)), doctest::Contains("not contiguous"), Error);
  CHECK(Bf16Copy(Tensor({0, 4})).data() == nullptr);
  if (!bf16_or_skip()) return;
  {  // an empty batch through Linear in bf16, forward and backward
    PrecisionGuard guard(Precision::kBf16);
    const Tensor empty = param({0, 64}, 19), w = param({8, 64}, 20);
    const Tensor y = linear(empty, w, Tensor());
    CHECK(y.shape() == Shape{0, 8});
    sum(y).backward();
    CHECK(w.grad().to_vector() == std::vector<float>(8 * 64, 0.0f));
  }
  // b carries the copy of other values: a bf16 product follows the copy, an fp32 one the floats.
  const Tensor a = param({64, 300}, 16), b = param({300, 40}, 17), other = param({300, 40}, 18);
  const Bf16Copy other_bf16(other);
  Tensor carried({64, 40}), expected({64, 40}), fp32({64, 40}), plain({64, 40});
  const std::vector<int64_t> strides = contiguous_strides({64, 40});
  {
    PrecisionGuard guard(Precision::kBf16);
    matmul_kernel(matmul_operand(a, 2), matmul_operand(b, 2, false, other_bf16), carried.data(), strides);
    matmul_kernel(matmul_operand(a, 2), matmul_operand(other, 2), expected.data(), strides);
  }
  CHECK(carried.to_vector() == expected.to_vector());
  {
    PrecisionGuard guard(Precision::kFp32);
    matmul_kernel(matmul_operand(a, 2), matmul_operand(b, 2, false, other_bf16), fp32.data(), strides);
    matmul_kernel(matmul_operand(a, 2), matmul_operand(b, 2), plain.data(), strides);
  }
  CHECK(fp32.to_vector() == plain.to_vector());
}

TEST_CASE("linear in bf16: the forward with its bias and both backward products, checked both ways") {
  if (!bf16_or_skip()) return;
  const Tensor x = param({4, 30, 64}, 11), w = param({96, 64}, 12), b = param({96}, 13), dy = param({4, 30, 96}, 14);
  const Tensor x2 = view(x.detach(), {120, 64}), dy2 = view(dy.detach(), {120, 96});
  // The bias is added in fp32 after the product: checked against the product alone plus b.
  check_product([&] { return sub(view(linear(x, w, b), {120, 96}), b.detach()); }, x2, transpose(w, 0, 1));
  auto grads = [&] {
    x.zero_grad();
    w.zero_grad();
    sum(mul(linear(x, w, b), dy)).backward();
    return std::make_pair(x.grad(), w.grad());
  };
  check_product([&] { return view(grads().first, {120, 64}); }, dy2, w);
  check_product([&] { return grads().second; }, transpose(dy2, 0, 1), x2);
}

TEST_CASE("the products' precision is one setting for every thread, restored by its guard") {
  CHECK(matmul_precision() == Precision::kFp32);
  {
    PrecisionGuard guard(Precision::kBf16);
    CHECK(matmul_precision() == Precision::kBf16);
    Precision seen = Precision::kFp32;
    std::thread([&] { seen = matmul_precision(); }).join();
    CHECK(seen == Precision::kBf16);
  }
  CHECK(matmul_precision() == Precision::kFp32);
  CHECK(precision_name(Precision::kBf16) == "bf16");
}
