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

Tensor MultiHeadAttention::self_attention(const Tensor& x, const SequenceLayout& layout,
                                          const SelfAttentionOptions& options) const {
  MT_CHECK(x.dim() == 2 && x.size(1) == dim, "MultiHeadAttention: x ", x.shape(), " is not [N, ", dim, "]");
  // lesson 6 begin: Q, K and V in one product, laid out as blocks, attending under the layout's masks
  const Tensor qkv = to_blocks(project_qkv(x), layout);  // one product for Q, K and V: [B, L, 3D]
  const bool fused = impl == AttentionImpl::kFused;
  const auto op = [&](const AttentionOptions& o) {
    return fused ? mt::self_attention(qkv, o) : self_attention_reference(qkv, o);
  };
  return run(op, layout, {.key_padding = &layout.padding, .causal = options.causal}, options.weights);
  // lesson 6 end
}

Tensor MultiHeadAttention::cross_attention(const Tensor& x, const SequenceLayout& queries, const Tensor& memory,
                                           const SequenceLayout& keys, Tensor* weights) const {
  MT_CHECK(x.dim() == 2 && x.size(1) == dim && memory.dim() == 2 && memory.size(1) == dim,
           "MultiHeadAttention: query ", x.shape(), " and memory ", memory.shape(), " are not [N, ", dim, "] and [M, ",
           dim, "]");
  MT_CHECK(queries.batch == keys.batch, "MultiHeadAttention: the query layout [", queries.batch, ", ", queries.length,
           "] and the memory layout [", keys.batch, ", ", keys.length, "] hold different batches");
  // lesson 6 begin: Q of the queries, K and V of the memory, attending past the memory's padding
  const Tensor q = to_blocks(project_q(x), queries);        // [B, T, D]
  const Tensor kv = to_blocks(project_kv(memory), keys);    // [B, S, 2D]
  return attend(q, kv, queries, {.key_padding = &keys.padding}, weights);
  // lesson 6 end
}

namespace {
// The rows of in_proj for parts [first, first + count) of {Q, K, V}: x [N, D] -> [N, count·D].
Tensor project_parts(const MultiHeadAttention& m, const Tensor& x, int64_t first, int64_t count) {
  // lesson 6 begin: the rows of in_proj_weight and in_proj_bias for these parts, as one linear
  const Tensor w = slice(m.in_proj_weight, 0, first * m.dim, (first + count) * m.dim);  // [count·D, D]
  const Tensor b = slice(m.in_proj_bias, 0, first * m.dim, (first + count) * m.dim);
  return linear(x, w, b);
  // lesson 6 end
}
}  // namespace

Tensor MultiHeadAttention::project_qkv(const Tensor& x) const { return project_parts(*this, x, 0, 3); }
Tensor MultiHeadAttention::project_q(const Tensor& x) const { return project_parts(*this, x, 0, 1); }
Tensor MultiHeadAttention::project_kv(const Tensor& memory) const { return project_parts(*this, memory, 1, 2); }

Tensor MultiHeadAttention::attend(const Tensor& q, const Tensor& kv, const SequenceLayout& queries,
                                  const AttentionMasks& masks, Tensor* weights) const {
  const bool fused = impl == AttentionImpl::kFused;
  const auto op = [&](const AttentionOptions& o) { return fused ? attention(q, kv, o) : attention_reference(q, kv, o); };
  return run(op, queries, masks, weights);
}

template <typename Op>
Tensor MultiHeadAttention::run(const Op& op, const SequenceLayout& queries, const AttentionMasks& masks,
                               Tensor* weights) const {
  Observer* observer = current_observer();
  Tensor observed;  // an observer sees the weights even when the caller did not ask for them
  if (observer && !weights) weights = &observed;
  const Tensor context = op({.heads = heads, .key_padding = masks.key_padding, .causal = masks.causal,
                             .dropout = attn_dropout->p, .training = attn_dropout->is_training(),
                             .weights = weights});                  // [B, T, D]
  const Tensor out = out_proj->forward(to_rows(context, queries));  // [N, D]
  if (observer) {  // the output itself is shown by the layer that called
    // Query rows at padding are only left out where the layout does not compute them.
    const IntTensor* skipped = queries.every_position() ? nullptr : &queries.padding;
    observer->attention(*this, {.weights = *weights, .key_padding = masks.key_padding, .causal = masks.causal,
                                .query_padding = skipped});
  }
  return out;
}

std::string MultiHeadAttention::extra_repr() const {
  return str("d_model=", dim, ", heads=", heads, impl == AttentionImpl::kReference ? ", reference attention" : "");
}

}  // namespace mt::nn
