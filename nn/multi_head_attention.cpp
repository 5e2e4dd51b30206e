// MultiHeadAttention; see multi_head_attention.h.
#include "nn/multi_head_attention.h"

#include <cmath>
#include <limits>

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/init.h"

namespace mt::nn {

IntTensor causal_mask(int64_t t, int64_t s) {
  IntTensor mask(std::vector<int32_t>(t * s, 0), {t, s});
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = i + 1; j < s; ++j) mask.values[i * s + j] = 1;
  return mask;
}

MultiHeadAttention::MultiHeadAttention(int64_t d, int64_t h, float dropout)
    : dim(d), heads(h), head_dim(h > 0 ? d / h : 0) {
  MT_CHECK(d > 0 && h > 0 && d % h == 0, "MultiHeadAttention: d_model ", d, " is not divisible by heads ", h);
  // As torch.nn.MultiheadAttention: xavier-uniform projections, zero biases.
  in_proj_weight = register_parameter("in_proj_weight", xavier_uniform({3 * d, d}));
  in_proj_bias = register_parameter("in_proj_bias", zeros({3 * d}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(d, d));
  std::fill(out_proj->bias.data(), out_proj->bias.data() + d, 0.0f);
  attn_dropout = register_module("attn_dropout", std::make_shared<Dropout>(dropout));
}

Tensor MultiHeadAttention::forward(const Tensor& query, const Tensor& memory, const IntTensor* key_padding,
                                   bool causal, Tensor* weights) const {
  MT_CHECK(query.dim() == 3 && query.size(2) == dim, "MultiHeadAttention: query ", query.shape(), " is not [B, T, ",
           dim, "]");
  MT_CHECK(memory.dim() == 3 && memory.size(2) == dim && memory.size(0) == query.size(0),
           "MultiHeadAttention: memory ", memory.shape(), " does not match query ", query.shape());
  const int64_t b = query.size(0), t = query.size(1), s = memory.size(1);
  const Shape mask_shape{b, s};
  MT_CHECK(!key_padding || key_padding->shape == mask_shape, "MultiHeadAttention: key padding mask ",
           (key_padding ? key_padding->shape : Shape()), " is not [B, S] = ", mask_shape);
  MT_CHECK(!causal || t == s, "MultiHeadAttention: a causal mask needs T == S, got ", t, " and ", s);

  // Projections: one product for self-attention, two (Q; K and V) for cross-attention.
  std::vector<Tensor> qkv;  // [B, H, T|S, Dh] each
  if (query.is_same(memory)) {
    qkv = project_heads(query, 0, 3);
  } else {
    qkv = project_heads(query, 0, 1);
    for (Tensor& t : project_heads(memory, 1, 2)) qkv.push_back(t);
  }
  return attend(qkv[0], qkv[1], qkv[2], key_padding, causal, weights);
}

std::vector<Tensor> MultiHeadAttention::project_heads(const Tensor& x, int64_t first, int64_t count) const {
  const Tensor w = slice(in_proj_weight, 0, first * dim, (first + count) * dim);  // [count·D, D]
  const Tensor b = slice(in_proj_bias, 0, first * dim, (first + count) * dim);
  std::vector<Tensor> heads;
  for (const Tensor& part : split(matmul(x, w, false, true) + b, dim, -1)) {  // [B, L, D] slices
    heads.push_back(permute(unflatten(part, 2, {this->heads, head_dim}), {0, 2, 1, 3}));  // [B, H, L, Dh] views
  }
  return heads;
}

Tensor MultiHeadAttention::attend(const Tensor& q, const Tensor& k, const Tensor& v, const IntTensor* key_padding,
                                  bool causal, Tensor* weights) const {
  const int64_t b = q.size(0), t = q.size(2), s = k.size(2);
  Tensor scores = matmul(q, k, false, true) * (1.0f / std::sqrt(static_cast<float>(head_dim)));  // [B, H, T, S]
  constexpr float kMasked = -std::numeric_limits<float>::infinity();
  if (key_padding) scores = masked_fill(scores, IntTensor(key_padding->values, {b, 1, 1, s}), kMasked);
  if (causal) scores = masked_fill(scores, causal_mask(t, s), kMasked);
  Tensor attention = softmax(scores);  // a fully masked row is all zeros, never NaN
  if (weights) *weights = attention.detach();
  attention = attn_dropout->forward(attention);

  const Tensor context = matmul(attention, v);                                  // [B, H, T, Dh]
  const Tensor merged = reshape(permute(context, {0, 2, 1, 3}), {b, t, dim});  // [B, T, D]
  return out_proj->forward(merged);
}

std::string MultiHeadAttention::extra_repr() const { return str("d_model=", dim, ", heads=", heads); }

}  // namespace mt::nn
