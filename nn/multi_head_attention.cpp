// MultiHeadAttention; see multi_head_attention.h.
#include "nn/multi_head_attention.h"

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/init.h"
#include "nn/observer.h"

namespace mt::nn {

MultiHeadAttention::MultiHeadAttention(int64_t d, int64_t h, float dropout, AttentionImpl kind)
    : dim(d), heads(h), head_dim(h > 0 ? d / h : 0), impl(kind) {
  MT_CHECK(d > 0 && h > 0 && d % h == 0, "MultiHeadAttention: d_model ", d, " is not divisible by heads ", h);
  // As torch.nn.MultiheadAttention: xavier-uniform projections, zero biases.
  in_proj_weight = register_parameter("in_proj_weight", xavier_uniform({3 * d, d}));
  in_proj_bias = register_parameter("in_proj_bias", zeros({3 * d}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(d, d));
  std::fill(out_proj->bias.data(), out_proj->bias.data() + d, 0.0f);
  attn_dropout = register_module("attn_dropout", std::make_shared<Dropout>(dropout));
}

Tensor MultiHeadAttention::self_attention(const Tensor& x, const SequenceLayout& layout, bool causal,
                                          Tensor* weights) const {
  MT_CHECK(x.dim() == 2 && x.size(1) == dim, "MultiHeadAttention: x ", x.shape(), " is not [N, ", dim, "]");
  // One product for Q, K and V together, laid out as [B, L, 3D] for the attention.
  return attend(to_blocks(project(x, 0, 3), layout), Tensor(), layout, &layout.padding, causal, weights);
}

Tensor MultiHeadAttention::cross_attention(const Tensor& x, const SequenceLayout& queries, const Tensor& memory,
                                           const SequenceLayout& keys, Tensor* weights) const {
  MT_CHECK(x.dim() == 2 && x.size(1) == dim && memory.dim() == 2 && memory.size(1) == dim,
           "MultiHeadAttention: query ", x.shape(), " and memory ", memory.shape(), " are not [N, ", dim, "] and [M, ",
           dim, "]");
  MT_CHECK(queries.batch == keys.batch, "MultiHeadAttention: the query layout [", queries.batch, ", ", queries.length,
           "] and the memory layout [", keys.batch, ", ", keys.length, "] hold different batches");
  const Tensor q = to_blocks(project(x, 0, 1), queries);       // [B, T, D]
  const Tensor kv = to_blocks(project(memory, 1, 2), keys);    // [B, S, 2D]
  return attend(q, kv, queries, &keys.padding, false, weights);
}

Tensor MultiHeadAttention::project(const Tensor& x, int64_t first, int64_t count) const {
  const Tensor w = slice(in_proj_weight, 0, first * dim, (first + count) * dim);  // [count·D, D]
  const Tensor b = slice(in_proj_bias, 0, first * dim, (first + count) * dim);
  return linear(x, w, b);  // [N, count·D]
}

Tensor MultiHeadAttention::attend(const Tensor& q, const Tensor& kv, const SequenceLayout& queries,
                                  const IntTensor* key_padding, bool causal, Tensor* weights) const {
  Observer* observer = current_observer();
  Tensor observed;  // an observer sees the weights even when the caller did not ask for them
  if (observer && !weights) weights = &observed;
  const auto op = impl == AttentionImpl::kFused ? &attention : &attention_reference;
  const Tensor context = op(q, kv, heads, key_padding, causal, attn_dropout->p, attn_dropout->is_training(),
                            weights);                               // [B, T, D]
  const Tensor out = out_proj->forward(to_rows(context, queries));  // [N, D]
  if (observer) {  // the output itself is shown by the layer that called
    // Query rows at padding are only left out where the layout does not compute them.
    const IntTensor* skipped = queries.every_position() ? nullptr : &queries.padding;
    observer->attention(*this, {.weights = *weights, .key_padding = key_padding, .causal = causal,
                                .query_padding = skipped});
  }
  return out;
}

std::string MultiHeadAttention::extra_repr() const {
  return str("d_model=", dim, ", heads=", heads, impl == AttentionImpl::kReference ? ", reference attention" : "");
}

}  // namespace mt::nn
