// attention: multi-head scaled dot-product attention with scaling, masks, softmax and dropout
// fused, on packed projections. Heads are strided views of the packed [B, L, ·] tensors, the
// result is written straight into [B, T, H·Dh] by the last product, and the backward writes the
// gradients of Q, K and V straight into one packed gradient: no copies for splitting or merging
// heads. Its composite twin (matmul, masked_fill, softmax, dropout) is checked against it in
// tests/test_attention.cpp. Read next: ../../nn/multi_head_attention.h.
#include <cmath>
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

// The unit-stride case with a row width known at compile time: the row of c stays in
// registers across the whole sum instead of going through memory on every step.
template <int64_t N>
void small_product_rows(const float* __restrict a, int64_t a_m, int64_t a_k, const float* __restrict b, int64_t b_k,
                        float* __restrict c, int64_t c_m, int64_t m, int64_t k) {
  for (int64_t i = 0; i < m; ++i) {
    float acc[N] = {};
    for (int64_t p = 0; p < k; ++p) {
      const float aip = a[i * a_m + p * a_k];
      const float* __restrict brow = b + p * b_k;
      for (int64_t j = 0; j < N; ++j) acc[j] += aip * brow[j];
    }
    float* __restrict row = c + i * c_m;
    for (int64_t j = 0; j < N; ++j) row[j] = acc[j];
  }
}

// c = a·b for one head: a [M, K], b [K, N], c [M, N], each with its own strides. The loop order
// keeps the innermost loop on unit-stride memory where the layout allows, so it vectorizes.
void small_product(const float* __restrict a, int64_t a_m, int64_t a_k, const float* __restrict b, int64_t b_k,
                   int64_t b_n, float* __restrict c, int64_t c_m, int64_t c_n, int64_t m, int64_t n, int64_t k) {
  if (b_k == 1 && a_k == 1) {  // rows of a and columns of b are contiguous: dot products
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int64_t p = 0; p < k; ++p) acc += a[i * a_m + p] * b[j * b_n + p];
        c[i * c_m + j * c_n] = acc;
      }
    return;
  }
  if (b_n == 1 && c_n == 1) {  // rows of b and c are contiguous: unit-stride axpys
    if (n == 16) return small_product_rows<16>(a, a_m, a_k, b, b_k, c, c_m, m, k);
    if (n == 32) return small_product_rows<32>(a, a_m, a_k, b, b_k, c, c_m, m, k);
    for (int64_t i = 0; i < m; ++i) {
      float* __restrict row = c + i * c_m;
      for (int64_t j = 0; j < n; ++j) row[j] = 0.0f;
      for (int64_t p = 0; p < k; ++p) {
        const float aip = a[i * a_m + p * a_k];
        const float* __restrict brow = b + p * b_k;
        for (int64_t j = 0; j < n; ++j) row[j] += aip * brow[j];
      }
    }
    return;
  }
  for (int64_t i = 0; i < m; ++i) {  // any strides: c[i, :] = Σ_p a[i, p]·b[p, :]
    float* row = c + i * c_m;
    for (int64_t j = 0; j < n; ++j) row[j * c_n] = 0.0f;
    for (int64_t p = 0; p < k; ++p) {
      const float aip = a[i * a_m + p * a_k];
      const float* brow = b + p * b_k;
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) row[j * c_n] += aip * brow[j * b_n];
    }
  }
}

// c[B, H, M, N] (or strided) = a · b, with optional transposes of the last two dims, one head
// at a time: head_product(bh) computes head bh = b·H + h.
struct HeadProduct {
  HeadProduct(const Tensor& a, bool ta, const Tensor& b, bool tb, float* c, const Strides& c_strides)
      : x(matmul_operand(a, 4, ta)), y(matmul_operand(b, 4, tb)), c(c), cs(c_strides) {}
  int64_t m() const { return x.dims[2]; }
  int64_t n() const { return y.dims[3]; }
  int64_t k() const { return x.dims[3]; }
  void operator()(int64_t bh) const {
    const int64_t heads = x.dims[1], i = bh / heads, h = bh % heads;
    small_product(x.data + i * x.strides[0] + h * x.strides[1], x.strides[2], x.strides[3],
                  y.data + i * y.strides[0] + h * y.strides[1], y.strides[2], y.strides[3], c + i * cs[0] + h * cs[1],
                  cs[2], cs[3], m(), n(), k());
  }
  MatmulOperand x, y;
  float* c;
  Strides cs;
};

// The whole product: oneDNN for large heads, else the loops above, heads split over cores.
void product(const Tensor& a, bool ta, const Tensor& b, bool tb, float* c, const Strides& c_strides) {
  const HeadProduct p(a, ta, b, tb, c, c_strides);
  const int64_t work = p.m() * p.n() * p.k();
  if (work > kSmallProduct) return matmul_kernel(p.x, p.y, c, c_strides);
  parallel_for(p.x.dims[0] * p.x.dims[1], std::max<int64_t>(1, 4 * kSmallProduct / work), [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) p(bh);
  });
}

struct Geometry {
  int64_t b, h, t, s, dh;
  float scale;
};

// Masks, scale and exponentials of one head's [T, S] block of scores, in place: the block is
// handled as a whole so the exponentials run as one long vector loop, even for short rows.
void masked_softmax_block(float* __restrict x, const int32_t* __restrict pad, bool causal, int64_t t, int64_t s,
                          float scale, float* __restrict row_max_out) {
  constexpr float kHidden = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < t; ++i) {
    float* row = x + i * s;
    const int64_t visible = causal ? std::min(s, i + 1) : s;  // keys after query i are hidden
    float m = kHidden;
    for (int64_t j = 0; j < s; ++j) {
      const bool hidden = j >= visible || (pad && pad[j] != 0);
      row[j] = hidden ? kHidden : row[j] * scale;
      m = std::max(m, row[j]);
    }
    row_max_out[i] = m;
    const float shift = m == kHidden ? 0.0f : m;  // a fully hidden row stays -inf, so exp gives 0
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
    std::vector<float> maxima(g.t);
    for (int64_t bh = begin; bh < end; ++bh) {
      const int32_t* pad = key_padding ? key_padding->values.data() + (bh / g.h) * g.s : nullptr;
      masked_softmax_block(scores + bh * block, pad, causal, g.t, g.s, g.scale, maxima.data());
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
      std::vector<float> maxima(g.t);
      for (int64_t bh = begin; bh < end; ++bh) {
        scores(bh);
        const int32_t* pad = key_padding ? key_padding->values.data() + (bh / g.h) * g.s : nullptr;
        masked_softmax_block(probs.data() + bh * block, pad, causal, g.t, g.s, g.scale, maxima.data());
        if (drop) mask.apply_part(probs.data() + bh * block, dropped.data() + bh * block, bh * block, block);
        weighted(bh);
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
        std::vector<float> undropped(drop ? block : 0);
        for (int64_t bh = begin; bh < end; ++bh) {
          float* dp_head = dp.data() + bh * block;
          dp_of(bh);  // dP' = dO·Vᵀ
          if (drop) {
            mask.apply_part(probs.data() + bh * block, dropped.data() + bh * block, bh * block, block);  // P' again
            mask.apply_part(dp_head, undropped.data(), bh * block, block);
            std::copy(undropped.begin(), undropped.end(), dp_head);
          }
          dv_of(bh);  // dV = P'ᵀ·dO
          softmax_backward_head(dp_head, probs.data() + bh * block, g.t, g.s, g.scale);
          dq_of(bh);  // dQ = dS·K
          dk_of(bh);  // dK = dSᵀ·Q
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
