// MultiHeadAttention; see multi_head_attention.h.
#include "nn/multi_head_attention.h"

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/init.h"
#include "nn/observer.h"
#include "nn/padding.h"

namespace mt::nn {

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
                                   bool causal, Tensor* weights, const IntTensor* query_padding) const {
  if (query.dim() == 2) return forward_packed(query, memory, key_padding, causal, weights, query_padding);
  MT_CHECK(query.dim() == 3 && query.size(2) == dim, "MultiHeadAttention: query ", query.shape(), " is not [B, T, ",
           dim, "]");
  MT_CHECK(memory.dim() == 3 && memory.size(2) == dim && memory.size(0) == query.size(0),
           "MultiHeadAttention: memory ", memory.shape(), " does not match query ", query.shape());
  const int64_t b = query.size(0), t = query.size(1), s = memory.size(1);
  const Shape mask_shape{b, s};
  MT_CHECK(!key_padding || key_padding->shape == mask_shape, "MultiHeadAttention: key padding mask ",
           (key_padding ? key_padding->shape : Shape()), " is not [B, S] = ", mask_shape);
  MT_CHECK(!causal || t == s, "MultiHeadAttention: a causal mask needs T == S, got ", t, " and ", s);

  // Projections: one product for self-attention (Q, K, V packed), two for cross-attention.
  if (query.is_same(memory)) return attend(project(query, 0, 3), Tensor(), key_padding, causal, weights);
  return attend(project(query, 0, 1), project(memory, 1, 2), key_padding, causal, weights);
}

Tensor MultiHeadAttention::forward_packed(const Tensor& query, const Tensor& memory, const IntTensor* key_padding,
                                          bool causal, Tensor* weights, const IntTensor* query_padding) const {
  const bool self = query.is_same(memory);
  if (self) query_padding = key_padding;
  MT_CHECK(query.size(1) == dim && query_padding && key_padding, "MultiHeadAttention: a packed query ", query.shape(),
           " needs [N, ", dim, "] and the padding masks of query and memory");
  MT_CHECK(memory.size(-1) == dim && (memory.dim() == 2 || memory.dim() == 3), "MultiHeadAttention: memory ",
           memory.shape(), " is not [M, ", dim, "] or [B, S, ", dim, "]");
  // The projections run on the real rows only; unpack() lays them out as [B, L, ·] with zero
  // rows at the padding, which the masks keep out of every real position's result.
  if (self) return attend(unpack(project(query, 0, 3), *query_padding), Tensor(), key_padding, causal, weights,
                          query_padding);
  const Tensor kv = memory.dim() == 2 ? unpack(project(memory, 1, 2), *key_padding) : project(memory, 1, 2);
  return attend(unpack(project(query, 0, 1), *query_padding), kv, key_padding, causal, weights, query_padding);
}

Tensor MultiHeadAttention::project(const Tensor& x, int64_t first, int64_t count) const {
  const Tensor w = slice(in_proj_weight, 0, first * dim, (first + count) * dim);  // [count·D, D]
  const Tensor b = slice(in_proj_bias, 0, first * dim, (first + count) * dim);
  return linear(x, w, b);  // [B, L, count·D]
}

Tensor MultiHeadAttention::attend(const Tensor& q, const Tensor& kv, const IntTensor* key_padding, bool causal,
                                  Tensor* weights, const IntTensor* pack_by) const {
  Observer* observer = current_observer();
  Tensor observed;  // an observer sees the weights even when the caller did not ask for them
  if (observer && !weights) weights = &observed;
  const Tensor context = attention(q, kv, heads, key_padding, causal, attn_dropout->p, attn_dropout->is_training(),
                                   weights);  // [B, T, D]
  const Tensor out = out_proj->forward(pack_by ? pack(context, *pack_by) : context);  // [B, T, D] or [N, D]
  if (observer) {
    observer->attention(*this, {.weights = *weights, .key_padding = key_padding, .causal = causal,
                                .query_padding = pack_by});
    observer->tensor(*this, "", out);
  }
  return out;
}

std::string MultiHeadAttention::extra_repr() const { return str("d_model=", dim, ", heads=", heads); }

}  // namespace mt::nn
