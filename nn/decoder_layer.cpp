// DecoderLayer; see decoder_layer.h. Registration order and names follow PyTorch's layer.
#include "nn/decoder_layer.h"

#include "autograd/ops.h"
#include "nn/decoding.h"

namespace mt::nn {

DecoderLayer::DecoderLayer(const LayerOptions& o) : options(o) {
  self_attn = register_module("self_attn",
                              std::make_shared<MultiHeadAttention>(o.d_model, o.heads, o.attention_rate(), o.attention));
  cross_attn = register_module("multihead_attn",
                               std::make_shared<MultiHeadAttention>(o.d_model, o.heads, o.attention_rate(), o.attention));
  ff = make_feed_forward(o.feed_forward, o);
  if (ff->children_in_layer()) register_children_of(*ff); else register_module("feed_forward", ff);
  norm1 = register_module("norm1", make_norm(o.norm, o.d_model, o.eps));
  norm2 = register_module("norm2", make_norm(o.norm, o.d_model, o.eps));
  norm3 = register_module("norm3", make_norm(o.norm, o.d_model, o.eps));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
  dropout3 = register_module("dropout3", std::make_shared<Dropout>(o.dropout));
}

Tensor DecoderLayer::forward(const Tensor& y, const SequenceLayout& layout, const Tensor& memory,
                             const SequenceLayout& memory_layout) const {
  auto self_attention = [&](const Tensor& h) {
    return self_attn->observed(self_attn->self_attention(h, layout, {.causal = true}));
  };
  auto cross_attention = [&](const Tensor& h) {
    return cross_attn->observed(cross_attn->cross_attention(h, layout, memory, memory_layout));
  };
  auto feed_forward = [&](const Tensor& h) { return observed(ff->forward(h), "feed_forward"); };
  // lesson 8 begin: the three sublayers with their residuals and norms, pre-LN and post-LN
  if (options.norm_first) {
    Tensor h = y + dropout1->apply(self_attention(norm1->forward(y)));
    h = h + dropout2->apply(cross_attention(norm2->forward(h)));
    return h + dropout3->apply(feed_forward(norm3->forward(h)));
  }
  Tensor h = norm1->forward(y + dropout1->apply(self_attention(y)));
  h = norm2->forward(h + dropout2->apply(cross_attention(h)));
  return norm3->forward(h + dropout3->apply(feed_forward(h)));
  // lesson 8 end
}

Tensor DecoderLayer::step(const Tensor& y, LayerCache& cache, int64_t position, const IntTensor& memory_padding) const {
  const int64_t n = y.size(0), d = options.d_model;
  const SequenceLayout one = SequenceLayout::single(n);
  // Self-attention: this position's keys and values join the cache, and the query attends to
  // every cached position (all earlier ones: no causal mask needed).
  auto self_attention = [&](const Tensor& h) -> Tensor {
    // lesson 10 begin: this position's K and V into the cache, then Q attending to every cached position
    const Tensor qkv = view(self_attn->project_qkv(h), {n, 1, 3 * d});        // [N, 1, 3D]
    const Tensor q = slice(qkv, 2, 0, d), kv = slice(qkv, 2, d, 3 * d);       // Q | K, V
    copy_into(slice(cache.self_kv, 1, position, position + 1), kv);
    return self_attn->attend(q, slice(cache.self_kv, 1, 0, position + 1), one, {});
    // lesson 10 end
  };
  auto cross_attention = [&](const Tensor& h) {
    const Tensor q = view(cross_attn->project_q(h), {n, 1, d});  // [N, 1, D]
    return cross_attn->attend(q, cache.cross_kv, one, {.key_padding = &memory_padding});
  };
  if (options.norm_first) {
    Tensor h = y + dropout1->apply(self_attention(norm1->forward(y)));
    h = h + dropout2->apply(cross_attention(norm2->forward(h)));
    return h + dropout3->apply(ff->forward(norm3->forward(h)));
  }
  Tensor h = norm1->forward(y + dropout1->apply(self_attention(y)));
  h = norm2->forward(h + dropout2->apply(cross_attention(h)));
  return norm3->forward(h + dropout3->apply(ff->forward(h)));
}

}  // namespace mt::nn
