// The attention kernels and schedules; see attention.h.
#include "autograd/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "autograd/kernels/matmul.h"
#include "autograd/parallel.h"
#include "autograd/kernels/row_math.h"

namespace mt {
namespace {

// Products of at most this many multiply-adds per head run in the loops below: oneDNN's
// per-matrix overhead dominates such tiny products (toy heads, 10x10x16: 80 µs through oneDNN
// for 256 heads, 12 µs here; measured in bench-kernels).
constexpr int64_t kSmallProduct = 16384;

// One head's product c = a·b (a [M, K], b [K, N], c [M, N], each with its own strides) is cut
// into panels of at most kPanel columns. A panel of b is read in place when its rows are dense
// and a whole number of vectors wide, else first copied dense and zero-padded to a multiple of 8
// (Kᵀ is a strided transpose). Then R rows of c at a time are summed in R·W/8 vector registers
// across the whole of K: that many independent sums keep the FMA units busy where one row would
// wait on its own additions (toy heads: 10 x 10 x 16, small: 14 x 14 x 32).
constexpr int64_t kPanel = 64;

// Eight floats, one AVX register (GCC/Clang vector extension; the compiler picks the
// instructions, two SSE registers where AVX is missing).
using Vec8 = float __attribute__((vector_size(32)));

inline Vec8 load8(const float* p) {
  Vec8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Rows [0, R) of a panel: c[r, j] = Σ_p a[r, p]·b[p, j] for j < n; b rows W wide, b_k apart.
template <int64_t R, int64_t W>
void panel_rows(const float* a, int64_t a_m, int64_t a_k, const float* b, int64_t b_k, int64_t k, float* c,
                int64_t c_m, int64_t c_n, int64_t n) {
  constexpr int64_t V = W / 8;
  Vec8 acc[R][V] = {};
  for (int64_t p = 0; p < k; ++p) {
    Vec8 row[V];
    for (int64_t v = 0; v < V; ++v) row[v] = load8(b + p * b_k + 8 * v);
    for (int64_t r = 0; r < R; ++r) {
      const float x = a[r * a_m + p * a_k];
      for (int64_t v = 0; v < V; ++v) acc[r][v] += x * row[v];
    }
  }
  for (int64_t r = 0; r < R; ++r) {
    float* row = c + r * c_m;
    if (c_n == 1 && n == W) {
      std::memcpy(row, acc[r], sizeof acc[r]);
    } else {
      for (int64_t j = 0; j < n; ++j) row[j * c_n] = acc[r][j / 8][j % 8];
    }
  }
}

// Copies columns [0, n) of b (K rows, any strides) into a dense [K, W] panel, zero past n.
// W known at compile time lets the compiler vectorize the copy even for a strided transpose.
template <int64_t W>
void pack_panel(const float* __restrict b, int64_t b_k, int64_t b_n, int64_t k, int64_t n, float* __restrict dense) {
  int64_t offset[W];
  for (int64_t j = 0; j < W; ++j) offset[j] = std::min(j, n - 1) * b_n;
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < W; ++j) dense[p * W + j] = j < n ? b[p * b_k + offset[j]] : 0.0f;
}

// The n <= W columns of c from b's first n columns: b is read in place when its rows are dense
// and exactly W wide, else packed first. Then blocks of R rows, and the rest one by one; R·W/8
// sums stay within AVX2's 16 vector registers with room for the row of b.
template <int64_t W>
void panel(const float* a, int64_t a_m, int64_t a_k, const float* b, int64_t b_k, int64_t b_n, int64_t k, float* c,
           int64_t c_m, int64_t c_n, int64_t m, int64_t n, std::vector<float>& scratch) {
  if (b_n != 1 || n != W) {
    scratch.resize(k * W);
    pack_panel<W>(b, b_k, b_n, k, n, scratch.data());
    b = scratch.data();
    b_k = W;
  }
  constexpr int64_t R = W <= 16 ? 4 : W <= 32 ? 2 : 1;
  int64_t i = 0;
  for (; i + R <= m; i += R) panel_rows<R, W>(a + i * a_m, a_m, a_k, b, b_k, k, c + i * c_m, c_m, c_n, n);
  for (; i < m; ++i) panel_rows<1, W>(a + i * a_m, a_m, a_k, b, b_k, k, c + i * c_m, c_m, c_n, n);
}

// c = a·b for one head, any strides, in panels of at most kPanel columns; `scratch` holds a
// packed panel of b when one is needed.
void small_product(const float* a, int64_t a_m, int64_t a_k, const float* b, int64_t b_k, int64_t b_n, float* c,
                   int64_t c_m, int64_t c_n, int64_t m, int64_t n, int64_t k, std::vector<float>& scratch) {
  for (int64_t j0 = 0; j0 < n; j0 += kPanel) {
    const int64_t cols = std::min(kPanel, n - j0);
    const float* bp = b + j0 * b_n;
    float* cp = c + j0 * c_n;
    switch ((cols + 7) / 8) {
      case 1: panel<8>(a, a_m, a_k, bp, b_k, b_n, k, cp, c_m, c_n, m, cols, scratch); break;
      case 2: panel<16>(a, a_m, a_k, bp, b_k, b_n, k, cp, c_m, c_n, m, cols, scratch); break;
      case 3: panel<24>(a, a_m, a_k, bp, b_k, b_n, k, cp, c_m, c_n, m, cols, scratch); break;
      case 4: panel<32>(a, a_m, a_k, bp, b_k, b_n, k, cp, c_m, c_n, m, cols, scratch); break;
      case 5: panel<40>(a, a_m, a_k, bp, b_k, b_n, k, cp, c_m, c_n, m, cols, scratch); break;
      case 6: panel<48>(a, a_m, a_k, bp, b_k, b_n, k, cp, c_m, c_n, m, cols, scratch); break;
      case 7: panel<56>(a, a_m, a_k, bp, b_k, b_n, k, cp, c_m, c_n, m, cols, scratch); break;
      default: panel<64>(a, a_m, a_k, bp, b_k, b_n, k, cp, c_m, c_n, m, cols, scratch); break;
    }
  }
}

// Masks, scale and exponentials of one head's [T, S] block of scores, in place: the block is
// handled as a whole so the exponentials run as one long vector loop, even for short rows.
// pad[j] != 0 hides key j (pad may be null); causal hides the keys after each query.
void masked_softmax_block(float* __restrict x, const int32_t* __restrict pad, bool causal, int64_t t, int64_t s,
                          float scale) {
  constexpr float kHidden = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < t; ++i) {
    float* row = x + i * s;
    const int64_t visible = causal ? std::min(s, i + 1) : s;
    float m = kHidden;
    if (pad) {
#pragma omp simd reduction(max : m)
      for (int64_t j = 0; j < visible; ++j) {
        row[j] = pad[j] != 0 ? kHidden : row[j] * scale;
        m = row[j] > m ? row[j] : m;
      }
    } else {
#pragma omp simd reduction(max : m)
      for (int64_t j = 0; j < visible; ++j) {
        row[j] *= scale;
        m = row[j] > m ? row[j] : m;
      }
    }
    for (int64_t j = visible; j < s; ++j) row[j] = kHidden;
    const float shift = m == kHidden ? 0.0f : m;  // a fully hidden row stays -inf, so exp gives 0
#pragma omp simd
    for (int64_t j = 0; j < s; ++j) row[j] -= shift;
  }
  const int64_t n = t * s;
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) x[j] = fast_exp(x[j]);
  for (int64_t i = 0; i < t; ++i) {
    float* row = x + i * s;
    const float total = row_sum(row, s);
    const float inv = total > 0.0f ? 1.0f / total : 0.0f;
#pragma omp simd
    for (int64_t j = 0; j < s; ++j) row[j] *= inv;
  }
}

// dS = P·(dP - Σ dP·P)·scale for the rows of one head.
void softmax_backward_head(float* __restrict dp, const float* __restrict p, int64_t t, int64_t s, float scale) {
  for (int64_t r = 0; r < t; ++r) {
    float* d = dp + r * s;
    const float* y = p + r * s;
    const float dot = row_dot(d, y, s);
#pragma omp simd
    for (int64_t j = 0; j < s; ++j) d[j] = y[j] * (d[j] - dot) * scale;
  }
}

}  // namespace

// One step of a plan: for one head (the small-head schedule) or for all heads at once.
struct HeadPlan::Step {
  virtual ~Step() = default;
  virtual void head(int64_t bh, std::vector<float>& scratch) const = 0;
  virtual void all() const = 0;
};

namespace {

struct ProductStep : HeadPlan::Step {
  ProductStep(const Tensor& a, bool ta, const Tensor& b, bool tb, const Tensor& c)
      : x(matmul_operand(a, 4, ta)), y(matmul_operand(b, 4, tb)), c(c.data()), cs(c.strides()) {}
  void head(int64_t bh, std::vector<float>& scratch) const override {
    const int64_t heads = x.dims[1], i = bh / heads, h = bh % heads;
    small_product(x.data + i * x.strides[0] + h * x.strides[1], x.strides[2], x.strides[3],
                  y.data + i * y.strides[0] + h * y.strides[1], y.strides[2], y.strides[3], c + i * cs[0] + h * cs[1],
                  cs[2], cs[3], x.dims[2], y.dims[3], x.dims[3], scratch);
  }
  // fp32 whatever the products' precision: heads are small products, where rounding copies cost
  // more than bf16 saves (Multi30k recipe, Intel Xeon with AMX: attention 27 ms a step in fp32,
  // 32 in bf16; docs/performance.md).
  void all() const override { matmul_kernel(x, y, c, cs, nullptr, Precision::kFp32); }
  MatmulOperand x, y;
  float* c;
  Strides cs;
};

struct SoftmaxStep : HeadPlan::Step {
  SoftmaxStep(const HeadGeometry& g, float* x, const IntTensor* pad, bool causal)
      : g(g), x(x), pad(pad ? pad->values.data() : nullptr), causal(causal) {}
  void head(int64_t bh, std::vector<float>&) const override {
    masked_softmax_block(x + bh * g.t * g.s, pad ? pad + (bh / g.h) * g.s : nullptr, causal, g.t, g.s, g.scale);
  }
  void all() const override {
    std::vector<float> unused;
    parallel_for(g.b * g.h, row_grain(4 * g.t * g.s), [&](int64_t begin, int64_t end) {
      for (int64_t bh = begin; bh < end; ++bh) head(bh, unused);
    });
  }
  HeadGeometry g;
  float* x;
  const int32_t* pad;
  bool causal;
};

struct SoftmaxBackwardStep : HeadPlan::Step {
  SoftmaxBackwardStep(const HeadGeometry& g, float* dx, const float* p) : g(g), dx(dx), p(p) {}
  void head(int64_t bh, std::vector<float>&) const override {
    const int64_t block = g.t * g.s;
    softmax_backward_head(dx + bh * block, p + bh * block, g.t, g.s, g.scale);
  }
  void all() const override {  // split by rows: large heads have few of them per head
    parallel_for(g.b * g.h * g.t, row_grain(g.s), [&](int64_t begin, int64_t end) {
      softmax_backward_head(dx + begin * g.s, p + begin * g.s, end - begin, g.s, g.scale);
    });
  }
  HeadGeometry g;
  float* dx;
  const float* p;
};

struct DropoutStep : HeadPlan::Step {
  DropoutStep(const HeadGeometry& g, const DropoutMask& mask, const float* in, float* out)
      : block(g.t * g.s), n(g.b * g.h * g.t * g.s), mask(mask), in(in), out(out) {}
  void head(int64_t bh, std::vector<float>&) const override {
    mask.apply_part(in + bh * block, out + bh * block, bh * block, block);
  }
  void all() const override { mask.apply(in, out, n); }
  int64_t block, n;
  DropoutMask mask;
  const float* in;
  float* out;
};

// Heads this small run every step of one head in one task (see attention.h).
bool small_heads(const HeadGeometry& g) { return g.t * g.s * g.dh <= kSmallProduct; }
int64_t heads_per_task(const HeadGeometry& g) {
  return std::max<int64_t>(1, 4 * kSmallProduct / (g.t * g.s * g.dh));
}

}  // namespace

HeadPlan::HeadPlan(const HeadGeometry& g) : g_(g) {}
HeadPlan::~HeadPlan() = default;

HeadPlan& HeadPlan::product(const Tensor& a, bool ta, const Tensor& b, bool tb, const Tensor& c) {
  steps_.push_back(std::make_unique<ProductStep>(a, ta, b, tb, c));
  return *this;
}

HeadPlan& HeadPlan::masked_softmax(const Tensor& x, const IntTensor* key_padding, bool causal) {
  steps_.push_back(std::make_unique<SoftmaxStep>(g_, x.data(), key_padding, causal));
  return *this;
}

HeadPlan& HeadPlan::softmax_backward(const Tensor& dx, const Tensor& p) {
  steps_.push_back(std::make_unique<SoftmaxBackwardStep>(g_, dx.data(), p.data()));
  return *this;
}

HeadPlan& HeadPlan::dropout(const DropoutMask& mask, const Tensor& in, const Tensor& out) {
  steps_.push_back(std::make_unique<DropoutStep>(g_, mask, in.data(), out.data()));
  return *this;
}

void HeadPlan::run() const {
  if (!small_heads(g_)) {
    for (const auto& step : steps_) step->all();
    return;
  }
  parallel_for(g_.b * g_.h, heads_per_task(g_), [&](int64_t begin, int64_t end) {
    std::vector<float> scratch;
    for (int64_t bh = begin; bh < end; ++bh)
      for (const auto& step : steps_) step->head(bh, scratch);
  });
}

}  // namespace mt
