// attention: multi-head scaled dot-product attention, fused: scores, masks, softmax, dropout
// and the weighted sum, on packed projections. Heads are strided views of the packed [B, L, ·]
// tensors; the result lands straight in [B, T, H·Dh], and the gradients of Q, K and V straight
// in one packed gradient: no copies to split or merge heads. The steps run as a HeadPlan
// (../kernels/attention.h), which picks how to schedule them. The same attention written with
// ordinary ops is attention_reference.cpp; tests/autograd/test_attention.cpp checks that the two agree.
// Read next: attention_reference.cpp.
#include <cmath>

#include "autograd/check.h"
#include "autograd/kernels/attention.h"
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

// Q, K and V of packed inputs as head views: self-attention reads all three from q.
struct Heads {
  Heads(const Tensor& q, const Tensor& kv, const HeadGeometry& g, bool self) {
    const int64_t d = g.h * g.dh;
    this->q = heads_of(q, 0, g.h, g.dh);
    k = heads_of(self ? q : kv, self ? d : 0, g.h, g.dh);
    v = heads_of(self ? q : kv, self ? 2 * d : d, g.h, g.dh);
  }
  Tensor q, k, v;  // [B, H, T, Dh], [B, H, S, Dh], [B, H, S, Dh]
};

// Both entry points: self-attention reads Q, K and V from the fused q [B, T, 3D] (kv undefined).
Tensor attend(const Tensor& q, const Tensor& kv, const AttentionOptions& o) {
  MT_PROFILE("attention");
  const bool self = !kv.defined();
  const char* op = self ? "self_attention" : "attention";
  const int64_t heads = o.heads;
  MT_CHECK(q.dim() == 3 && heads > 0, op, ": ", self ? "qkv" : "q", " must be [B, T, width], got ", q.shape());
  const int64_t d = self ? q.size(2) / 3 : q.size(2);
  MT_CHECK((!self || q.size(2) % 3 == 0) && d % heads == 0, op, ": width ", q.size(2), " does not split into ",
           self ? "3 x " : "", heads, " heads");
  MT_CHECK(self || (kv.dim() == 3 && kv.size(0) == q.size(0) && kv.size(2) == 2 * d), op, ": kv ",
           (self ? Shape() : kv.shape()), " is not [B, S, 2·", d, "] for q ", q.shape());
  const Tensor qp = packed_input(q), kvp = self ? qp : packed_input(kv);
  const HeadGeometry g{q.size(0), heads, q.size(1), kvp.size(1), d / heads, 1.0f / std::sqrt(float(d / heads))};
  const IntTensor* key_padding = o.key_padding;
  const bool causal = o.causal;
  MT_CHECK(!key_padding || key_padding->shape == Shape({g.b, g.s}), op, ": key padding mask ",
           (key_padding ? key_padding->shape : Shape()), " is not [B, S] = ", Shape({g.b, g.s}));
  MT_CHECK(!causal || g.t == g.s, op, ": a causal mask needs T == S, got ", g.t, " and ", g.s);
  MT_CHECK(o.dropout >= 0.0f && o.dropout < 1.0f, op, ": dropout must be in [0, 1), got ", o.dropout);

  const Heads x(qp, kvp, g, self);
  const Strides merged = {g.t * d, g.dh, d, 1};  // [B, H, T, Dh] inside a [B, T, D] tensor
  const bool drop = o.training && o.dropout > 0.0f;
  const DropoutMask mask = drop ? DropoutMask::draw(o.dropout, g.b * g.h * g.t * g.s) : DropoutMask{};
  Tensor probs({g.b, g.h, g.t, g.s}), out({g.b, g.t, d});
  const Tensor dropped = drop ? Tensor(probs.shape()) : probs;
  HeadPlan forward(g);
  forward.product(x.q, false, x.k, true, probs);            // S = Q·Kᵀ
  forward.masked_softmax(probs, key_padding, causal);       // P = softmax(S/√Dh), hidden keys at 0
  if (drop) forward.dropout(mask, probs, dropped);          // P' = dropout(P)
  forward.product(dropped, false, x.v, false, Tensor(out.storage(), {g.b, g.h, g.t, g.dh}, merged, 0));  // O = P'·V
  forward.run();
  if (o.weights) *o.weights = probs;

  return record("attention", out, {q, kv}, [qp, kvp, probs, g, self, drop, mask, merged](const Tensor& dy) {
    const Heads x(qp, kvp, g, self);
    const Tensor dyh(dy.storage(), {g.b, g.h, g.t, g.dh}, merged, dy.offset());  // dO by heads
    Tensor dq(qp.shape()), dkv = self ? dq : Tensor(kvp.shape());                 // packed like the inputs
    const Heads dx(dq, dkv, g, self);
    const Tensor dropped = drop ? Tensor(probs.shape()) : probs, ds(probs.shape());
    const Tensor ddropped = drop ? Tensor(probs.shape()) : ds;
    HeadPlan backward(g);
    backward.product(dyh, false, x.v, true, ddropped);          // dP' = dO·Vᵀ
    if (drop) backward.dropout(mask, probs, dropped);           // P' again, from the same draws
    if (drop) backward.dropout(mask, ddropped, ds);             // dP = dropout(dP')
    backward.product(dropped, true, dyh, false, dx.v);          // dV = P'ᵀ·dO
    backward.softmax_backward(ds, probs);                       // dS = P·(dP - Σ dP·P)/√Dh
    backward.product(ds, false, x.k, false, dx.q);              // dQ = dS·K
    backward.product(ds, true, x.q, false, dx.k);               // dK = dSᵀ·Q
    backward.run();
    return std::vector<Tensor>{dq, self ? Tensor() : dkv};
  });
}

}  // namespace

Tensor attention(const Tensor& q, const Tensor& kv, const AttentionOptions& options) {
  MT_CHECK(kv.defined(), "attention: kv is undefined (self-attention of a fused qkv is self_attention)");
  return attend(q, kv, options);
}

Tensor self_attention(const Tensor& qkv, const AttentionOptions& options) { return attend(qkv, Tensor(), options); }

}  // namespace mt
