// EncoderLayer; see encoder_layer.h. Registration order and names follow PyTorch's layers, so
// named_parameters() lists the same keys in the same order.
#include "nn/encoder_layer.h"

#include "autograd/ops.h"

namespace mt::nn {

EncoderLayer::EncoderLayer(const LayerOptions& o) : options(o) {
  self_attn = register_module("self_attn",
                              std::make_shared<MultiHeadAttention>(o.d_model, o.heads, o.attention_rate(), o.attention));
  ff = make_feed_forward(o.feed_forward, o);
  if (ff->children_in_layer()) register_children_of(*ff); else register_module("feed_forward", ff);
  norm1 = register_module("norm1", make_norm(o.norm, o.d_model, o.eps));
  norm2 = register_module("norm2", make_norm(o.norm, o.d_model, o.eps));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
}

Tensor EncoderLayer::forward(const Tensor& x, const SequenceLayout& layout) const {
  auto self_attention = [&](const Tensor& h) {
    return self_attn->observed(self_attn->self_attention(h, layout));
  };
  auto feed_forward = [&](const Tensor& h) { return observed(ff->forward(h), "feed_forward"); };
  // lesson 8 begin: the two sublayers with their residuals and norms, pre-LN and post-LN
  if (options.norm_first) {
    const Tensor h = x + dropout1->apply(self_attention(norm1->forward(x)));
    return h + dropout2->apply(feed_forward(norm2->forward(h)));
  }
  const Tensor h = norm1->forward(x + dropout1->apply(self_attention(x)));
  return norm2->forward(h + dropout2->apply(feed_forward(h)));
  // lesson 8 end
}

}  // namespace mt::nn
