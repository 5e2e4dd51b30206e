// attention_reference and self_attention_reference: the attention of attention.cpp written with
// ordinary ops (split, matmul, masked_fill, softmax, dropout, permute), with the same arguments
// and the same random draws, so a model can run either one (model.attention = reference) and
// every step can be printed, stepped through or gradchecked. No backward of its own: each op
// records its part. Slower than the fused op (it materializes the masked scores and copies
// heads), and the definition the fused op is tested against. Read next: embedding.cpp.
#include <cmath>
#include <limits>

#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt {

namespace {

// Both entry points: self-attention splits Q, K and V out of the fused q [B, T, 3D] (kv undefined).
Tensor attend_reference(const Tensor& q, const Tensor& kv, const AttentionOptions& o) {
  const bool self = !kv.defined();
  const int64_t heads = o.heads;
  const IntTensor* key_padding = o.key_padding;
  const bool causal = o.causal;
  MT_CHECK(q.dim() == 3 && heads > 0 && (!self || q.size(2) % 3 == 0), "attention_reference: q must be [B, T, width],",
           " got ", q.shape());
  const int64_t d = self ? q.size(2) / 3 : q.size(2), b = q.size(0), t = q.size(1), dh = d / heads;
  MT_CHECK(d % heads == 0 && (self || (kv.dim() == 3 && kv.size(0) == b && kv.size(2) == 2 * d)),
           "attention_reference: q ", q.shape(), " and kv ", (self ? Shape() : kv.shape()), " do not split into ",
           heads, " heads");
  // Q, K, V: [B, L, D] slices of the packed projections -> [B, H, L, Dh] heads.
  std::vector<Tensor> parts = self ? split(q, d, -1) : std::vector<Tensor>{q};
  if (!self) for (const Tensor& x : split(kv, d, -1)) parts.push_back(x);
  auto heads_of = [&](const Tensor& x) { return permute(unflatten(x, 2, {heads, dh}), {0, 2, 1, 3}); };
  const Tensor qh = heads_of(parts[0]), kh = heads_of(parts[1]), vh = heads_of(parts[2]);
  const int64_t s = kh.size(2);
  MT_CHECK(!key_padding || key_padding->shape == Shape({b, s}), "attention_reference: key padding mask ",
           (key_padding ? key_padding->shape : Shape()), " is not [B, S] = ", Shape({b, s}));
  MT_CHECK(!causal || t == s, "attention_reference: a causal mask needs T == S, got ", t, " and ", s);

  // lesson 5 begin: scores, the two masks, softmax, dropout and the weighted sum of the values
  Tensor scores = matmul(qh, kh, false, true) * (1.0f / std::sqrt(static_cast<float>(dh)));  // [B, H, T, S]
  const float hidden = -std::numeric_limits<float>::infinity();
  if (key_padding) scores = masked_fill(scores, IntTensor(key_padding->values, {b, 1, 1, s}), hidden);
  if (causal) {
    IntTensor future(std::vector<int32_t>(t * s, 0), {t, s});  // 1 where key j comes after query i
    for (int64_t i = 0; i < t; ++i)
      for (int64_t j = i + 1; j < s; ++j) future.values[i * s + j] = 1;
    scores = masked_fill(scores, future, hidden);
  }
  const Tensor probs = softmax(scores);  // a row with every key hidden gives zeros
  if (o.weights) *o.weights = probs.detach();
  const Tensor context = matmul(dropout(probs, o.dropout, o.training), vh);  // [B, H, T, Dh]
  return reshape(permute(context, {0, 2, 1, 3}), {b, t, d});              // heads merged: [B, T, D]
  // lesson 5 end
}

}  // namespace

Tensor attention_reference(const Tensor& q, const Tensor& kv, const AttentionOptions& options) {
  MT_CHECK(kv.defined(), "attention_reference: kv is undefined (self-attention of a fused qkv is self_attention_reference)");
  return attend_reference(q, kv, options);
}

Tensor self_attention_reference(const Tensor& qkv, const AttentionOptions& options) {
  return attend_reference(qkv, Tensor(), options);
}

}  // namespace mt
