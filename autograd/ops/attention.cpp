// attention: multi-head scaled dot-product attention with scaling, masks, softmax and dropout
// fused, on packed projections. Heads are strided views of the packed [B, L, ·] tensors, the
// result is written straight into [B, T, H·Dh] by the last product, and the backward writes the
// gradients of Q, K and V straight into one packed gradient: no copies for splitting or merging
// heads. Its composite twin (matmul, masked_fill, softmax, dropout) is checked against it in
// tests/test_attention.cpp. Read next: ../../nn/multi_head_attention.h.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "autograd/check.h"
#include "autograd/kernels/dropout_mask.h"
#include "autograd/kernels/matmul.h"
#include "autograd/kernels/parallel.h"
#include "autograd/kernels/row_math.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {

// Heads `first_column / Dh ...` of a packed [B, L, ·] tensor as a [B, H, L, Dh] view.
Tensor heads_of(const Tensor& packed, int64_t first_column, int64_t heads, int64_t head_dim) {
  const Strides& s = packed.strides();
  return Tensor(packed.storage(), {packed.size(0), heads, packed.size(1), head_dim}, {s[0], head_dim * s[2], s[1], s[2]},
                packed.offset() + first_column * s[2]);
}

// The last dim must be dense for the head views; anything else is copied once.
Tensor packed_input(const Tensor& x) {
  const Tensor d = x.detach();
  return d.strides().back() == 1 ? d : contiguous(d);
}

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

// c[B, H, M, N] (or strided) = a · b, with optional transposes of the last two dims, one head
// at a time: head_product(bh, scratch) computes head bh = b·H + h.
struct HeadProduct {
  HeadProduct(const Tensor& a, bool ta, const Tensor& b, bool tb, float* c, const Strides& c_strides)
      : x(matmul_operand(a, 4, ta)), y(matmul_operand(b, 4, tb)), c(c), cs(c_strides) {}
  int64_t m() const { return x.dims[2]; }
  int64_t n() const { return y.dims[3]; }
  int64_t k() const { return x.dims[3]; }
  void operator()(int64_t bh, std::vector<float>& scratch) const {
    const int64_t heads = x.dims[1], i = bh / heads, h = bh % heads;
    small_product(x.data + i * x.strides[0] + h * x.strides[1], x.strides[2], x.strides[3],
                  y.data + i * y.strides[0] + h * y.strides[1], y.strides[2], y.strides[3], c + i * cs[0] + h * cs[1],
                  cs[2], cs[3], m(), n(), k(), scratch);
  }
  MatmulOperand x, y;
  float* c;
  Strides cs;
};

// The whole product of large heads through oneDNN (small heads run HeadProduct one at a time;
// every product of one attention has the same T·S·Dh multiply-adds per head).
void product(const Tensor& a, bool ta, const Tensor& b, bool tb, float* c, const Strides& c_strides) {
  matmul_kernel(matmul_operand(a, 4, ta), matmul_operand(b, 4, tb), c, c_strides);
}

struct Geometry {
  int64_t b, h, t, s, dh;
  float scale;
};

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

// scores[b, h, :, :] = softmax(scale·scores with hidden keys at -inf), in place, head by head;
// a row with every key hidden becomes zeros.
void masked_softmax(float* scores, const Geometry& g, const IntTensor* key_padding, bool causal) {
  const int64_t block = g.t * g.s;
  parallel_for(g.b * g.h, row_grain(4 * block), [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) {
      const int32_t* pad = key_padding ? key_padding->values.data() + (bh / g.h) * g.s : nullptr;
      masked_softmax_block(scores + bh * block, pad, causal, g.t, g.s, g.scale);
    }
  });
}

// dS = P·(dP - Σ dP·P)·scale per row, in place in dp.
void softmax_backward(float* dp, const float* p, const Geometry& g) {
  parallel_for(g.b * g.h * g.t, row_grain(g.s), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      float* d = dp + r * g.s;
      const float* y = p + r * g.s;
      const float dot = row_dot(d, y, g.s);
#pragma omp simd
      for (int64_t j = 0; j < g.s; ++j) d[j] = y[j] * (d[j] - dot) * g.scale;
    }
  });
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

// Heads this small (toy: 15 x 15 x 16) run every step of one head in one task, so a call
// costs one dispatch over the cores instead of one per step, and a head's scores stay in cache.
bool small_heads(const Geometry& g) { return g.t * g.s * g.dh <= kSmallProduct; }
int64_t heads_per_task(const Geometry& g) { return std::max<int64_t>(1, 4 * kSmallProduct / (g.t * g.s * g.dh)); }

}  // namespace

Tensor attention(const Tensor& q, const Tensor& kv, int64_t heads, const IntTensor* key_padding, bool causal,
                 float dropout_p, bool training, Tensor* weights) {
  MT_PROFILE("attention");
  const bool self = !kv.defined();
  MT_CHECK(q.dim() == 3 && heads > 0, "attention: q must be [B, T, width], got ", q.shape());
  const int64_t d = self ? q.size(2) / 3 : q.size(2);
  MT_CHECK((!self || q.size(2) % 3 == 0) && d % heads == 0, "attention: width ", q.size(2), " does not split into ",
           self ? "3 x " : "", heads, " heads");
  MT_CHECK(self || (kv.dim() == 3 && kv.size(0) == q.size(0) && kv.size(2) == 2 * d), "attention: kv ",
           (self ? Shape() : kv.shape()), " is not [B, S, 2·", d, "] for q ", q.shape());
  const Tensor qp = packed_input(q), kvp = self ? qp : packed_input(kv);
  const Geometry g{q.size(0), heads, q.size(1), kvp.size(1), d / heads,
                   1.0f / std::sqrt(static_cast<float>(d / heads))};
  const Shape mask_shape{g.b, g.s};
  MT_CHECK(!key_padding || key_padding->shape == mask_shape, "attention: key padding mask ",
           (key_padding ? key_padding->shape : Shape()), " is not [B, S] = ", mask_shape);
  MT_CHECK(!causal || g.t == g.s, "attention: a causal mask needs T == S, got ", g.t, " and ", g.s);
  MT_CHECK(dropout_p >= 0.0f && dropout_p < 1.0f, "attention: dropout must be in [0, 1), got ", dropout_p);

  const Tensor qh = heads_of(qp, 0, heads, g.dh);                  // [B, H, T, Dh] views
  const Tensor kh = heads_of(kvp, self ? d : 0, heads, g.dh);      // [B, H, S, Dh]
  const Tensor vh = heads_of(kvp, self ? 2 * d : d, heads, g.dh);  // [B, H, S, Dh]
  const Strides scores_strides = contiguous_strides({g.b, g.h, g.t, g.s});
  const Strides merged = {g.t * d, g.dh, d, 1};  // [B, H, T, Dh] inside a [B, T, D] tensor

  Tensor probs({g.b, g.h, g.t, g.s});  // P = softmax(QKᵀ/√Dh, masked)
  const bool drop = training && dropout_p > 0.0f;
  const DropoutMask mask = drop ? DropoutMask::draw(dropout_p, probs.numel()) : DropoutMask{};
  Tensor dropped = drop ? Tensor(probs.shape()) : probs;
  Tensor out({g.b, g.t, d});
  if (small_heads(g)) {
    const HeadProduct scores(qh, false, kh, true, probs.data(), scores_strides);
    const HeadProduct weighted(dropped, false, vh, false, out.data(), merged);
    const int64_t block = g.t * g.s;
    parallel_for(g.b * g.h, heads_per_task(g), [&](int64_t begin, int64_t end) {
      std::vector<float> scratch;
      for (int64_t bh = begin; bh < end; ++bh) {
        scores(bh, scratch);
        const int32_t* pad = key_padding ? key_padding->values.data() + (bh / g.h) * g.s : nullptr;
        masked_softmax_block(probs.data() + bh * block, pad, causal, g.t, g.s, g.scale);
        if (drop) mask.apply_part(probs.data() + bh * block, dropped.data() + bh * block, bh * block, block);
        weighted(bh, scratch);
      }
    });
  } else {
    product(qh, false, kh, true, probs.data(), scores_strides);
    masked_softmax(probs.data(), g, key_padding, causal);
    if (drop) mask.apply(probs.data(), dropped.data(), probs.numel());
    product(dropped, false, vh, false, out.data(), merged);
  }
  if (weights) *weights = probs;

  // With P the probabilities and P' = dropout(P):
  //   dV = P'ᵀ·dO,  dP = dropout(dO·Vᵀ),  dS = P·(dP - Σ dP·P)/√Dh,  dQ = dS·K,  dK = dSᵀ·Q
  return record("attention", out, {q, kv},
                [qp, kvp, probs, g, self, drop, mask, d, merged, scores_strides](const Tensor& dy) {
    const Tensor qh = heads_of(qp, 0, g.h, g.dh), kh = heads_of(kvp, self ? d : 0, g.h, g.dh);
    const Tensor vh = heads_of(kvp, self ? 2 * d : d, g.h, g.dh);
    const Tensor dyh(dy.storage(), {g.b, g.h, g.t, g.dh}, merged, dy.offset());
    // Gradients land in packed buffers shaped like the inputs.
    Tensor dq_packed(self ? Shape{g.b, g.t, 3 * d} : Shape{g.b, g.t, d});
    Tensor dkv_packed = self ? dq_packed : Tensor({g.b, g.s, 2 * d});
    const Tensor dqh = heads_of(dq_packed, 0, g.h, g.dh);
    const Tensor dkh = heads_of(dkv_packed, self ? d : 0, g.h, g.dh);
    const Tensor dvh = heads_of(dkv_packed, self ? 2 * d : d, g.h, g.dh);

    Tensor dp({g.b, g.h, g.t, g.s});
    if (small_heads(g)) {  // the same steps as below, one head at a time
      Tensor dropped = drop ? Tensor(probs.shape()) : probs;
      const HeadProduct dp_of(dyh, false, vh, true, dp.data(), scores_strides);
      const HeadProduct dv_of(dropped, true, dyh, false, dvh.data(), dvh.strides());
      const HeadProduct dq_of(dp, false, kh, false, dqh.data(), dqh.strides());
      const HeadProduct dk_of(dp, true, qh, false, dkh.data(), dkh.strides());
      const int64_t block = g.t * g.s;
      parallel_for(g.b * g.h, heads_per_task(g), [&](int64_t begin, int64_t end) {
        std::vector<float> undropped(drop ? block : 0), scratch;
        for (int64_t bh = begin; bh < end; ++bh) {
          float* dp_head = dp.data() + bh * block;
          dp_of(bh, scratch);  // dP' = dO·Vᵀ
          if (drop) {
            mask.apply_part(probs.data() + bh * block, dropped.data() + bh * block, bh * block, block);  // P' again
            mask.apply_part(dp_head, undropped.data(), bh * block, block);
            std::copy(undropped.begin(), undropped.end(), dp_head);
          }
          dv_of(bh, scratch);  // dV = P'ᵀ·dO
          softmax_backward_head(dp_head, probs.data() + bh * block, g.t, g.s, g.scale);
          dq_of(bh, scratch);  // dQ = dS·K
          dk_of(bh, scratch);  // dK = dSᵀ·Q
        }
      });
      return std::vector<Tensor>{dq_packed, self ? Tensor() : dkv_packed};
    }
    product(dyh, false, vh, true, dp.data(), scores_strides);  // dP' = dO·Vᵀ
    if (drop) {
      Tensor dropped(probs.shape());
      mask.apply(probs.data(), dropped.data(), probs.numel());  // P' again, from the same draws
      product(dropped, true, dyh, false, dvh.data(), dvh.strides());
      Tensor undropped(dp.shape());
      mask.apply(dp.data(), undropped.data(), dp.numel());
      dp = undropped;
    } else {
      product(probs, true, dyh, false, dvh.data(), dvh.strides());
    }
    softmax_backward(dp.data(), probs.data(), g);                   // dS, in place
    product(dp, false, kh, false, dqh.data(), dqh.strides());        // dQ = dS·K
    product(dp, true, qh, false, dkh.data(), dkh.strides());         // dK = dSᵀ·Q
    return std::vector<Tensor>{dq_packed, self ? Tensor() : dkv_packed};
  });
}

}  // namespace mt
