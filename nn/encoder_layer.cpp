// EncoderLayer and DecoderLayer; see encoder_layer.h. Registration order and names follow
// PyTorch's layers, so named_parameters() lists the same keys in the same order.
#include "nn/encoder_layer.h"

#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/ops.h"
#include "nn/decoding.h"

namespace mt::nn {

EncoderLayer::EncoderLayer(const LayerOptions& o) : options(o) {
  self_attn = register_module("self_attn", std::make_shared<MultiHeadAttention>(o.d_model, o.heads, o.dropout));
  // PyTorch keeps linear1, dropout and linear2 directly on the layer: the standard block's
  // children are registered under those names, so checkpoints match. Another block is
  // registered whole, as feed_forward.
  ff = make_feed_forward(o.feed_forward, {o.d_model, o.ff_dim, o.dropout, o.activation});
  if (o.feed_forward == "standard") register_children_of(*ff); else register_module("feed_forward", ff);
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(o.d_model, o.eps));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(o.d_model, o.eps));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
}

Tensor EncoderLayer::forward(const Tensor& x, const IntTensor* src_padding) const {
  // Each residual connection "r + dropout(sublayer)" is one fused op (Dropout::add_to).
  auto attend = [&](const Tensor& h) { return self_attn->forward(h, h, src_padding, false); };
  auto feed = [&](const Tensor& h) { return observed(ff->forward(h), "feed_forward"); };
  if (options.norm_first) {
    const Tensor h = dropout1->add_to(x, attend(norm1->forward(x)));
    return observed(dropout2->add_to(h, feed(norm2->forward(h))));
  }
  const Tensor h = norm1->forward(dropout1->add_to(x, attend(x)));
  return observed(norm2->forward(dropout2->add_to(h, feed(h))));
}

DecoderLayer::DecoderLayer(const LayerOptions& o) : options(o) {
  self_attn = register_module("self_attn", std::make_shared<MultiHeadAttention>(o.d_model, o.heads, o.dropout));
  cross_attn = register_module("multihead_attn", std::make_shared<MultiHeadAttention>(o.d_model, o.heads, o.dropout));
  ff = make_feed_forward(o.feed_forward, {o.d_model, o.ff_dim, o.dropout, o.activation});
  if (o.feed_forward == "standard") register_children_of(*ff); else register_module("feed_forward", ff);
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(o.d_model, o.eps));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(o.d_model, o.eps));
  norm3 = register_module("norm3", std::make_shared<LayerNorm>(o.d_model, o.eps));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
  dropout3 = register_module("dropout3", std::make_shared<Dropout>(o.dropout));
}

template <typename SelfAttend, typename CrossAttend>
Tensor DecoderLayer::combine(const Tensor& y, const SelfAttend& self_attend, const CrossAttend& cross_attend) const {
  auto feed = [&](const Tensor& h) { return observed(ff->forward(h), "feed_forward"); };
  if (options.norm_first) {
    Tensor h = dropout1->add_to(y, self_attend(norm1->forward(y)));
    h = dropout2->add_to(h, cross_attend(norm2->forward(h)));
    return observed(dropout3->add_to(h, feed(norm3->forward(h))));
  }
  Tensor h = norm1->forward(dropout1->add_to(y, self_attend(y)));
  h = norm2->forward(dropout2->add_to(h, cross_attend(h)));
  return observed(norm3->forward(dropout3->add_to(h, feed(h))));
}

Tensor DecoderLayer::forward(const Tensor& y, const Tensor& memory, const IntTensor* tgt_padding,
                             const IntTensor* src_padding) const {
  return combine(
      y, [&](const Tensor& h) { return self_attn->forward(h, h, tgt_padding, true); },
      [&](const Tensor& h) { return cross_attn->forward(h, memory, src_padding, false, nullptr, tgt_padding); });
}

Tensor DecoderLayer::step(const Tensor& y, LayerCache& cache, int64_t position, const IntTensor* src_padding) const {
  const int64_t d = options.d_model;
  auto self_attend = [&](const Tensor& h) {
    const Tensor qkv = self_attn->project(h, 0, 3);  // [N, 1, 3D]
    copy_strided(slice(qkv, 2, d, 3 * d), slice(cache.self_kv, 1, position, position + 1));
    // Only earlier positions are in the cache: no causal mask needed.
    return self_attn->attend(slice(qkv, 2, 0, d), slice(cache.self_kv, 1, 0, position + 1), nullptr, false);
  };
  auto cross_attend = [&](const Tensor& h) {
    return cross_attn->attend(cross_attn->project(h, 0, 1), cache.cross_kv, src_padding, false);
  };
  return combine(y, self_attend, cross_attend);
}

}  // namespace mt::nn
