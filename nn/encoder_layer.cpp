// EncoderLayer and DecoderLayer; see encoder_layer.h. Registration order and names follow
// PyTorch's layers, so named_parameters() lists the same keys in the same order.
#include "nn/encoder_layer.h"

#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt::nn {
EncoderLayer::EncoderLayer(const LayerOptions& o) : options(o) {
  self_attn = register_module("self_attn", std::make_shared<MultiHeadAttention>(o.d_model, o.heads, o.dropout));
  // PyTorch keeps linear1, dropout and linear2 directly on the layer: register the
  // feed-forward's children under those names so checkpoints match.
  ff = std::make_shared<FeedForward>(o.d_model, o.ff_dim, o.dropout, o.activation);
  register_module("linear1", ff->linear1);
  register_module("dropout", ff->dropout);
  register_module("linear2", ff->linear2);
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(o.d_model, o.eps));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(o.d_model, o.eps));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
}

Tensor EncoderLayer::forward(const Tensor& x, const IntTensor* src_padding) const {
  auto attend = [&](const Tensor& h) { return dropout1->forward(self_attn->forward(h, h, src_padding, false)); };
  auto feed = [&](const Tensor& h) { return dropout2->forward(ff->forward(h)); };
  if (options.norm_first) {
    const Tensor h = x + attend(norm1->forward(x));
    return h + feed(norm2->forward(h));
  }
  const Tensor h = norm1->forward(x + attend(x));
  return norm2->forward(h + feed(h));
}

DecoderLayer::DecoderLayer(const LayerOptions& o) : options(o) {
  self_attn = register_module("self_attn", std::make_shared<MultiHeadAttention>(o.d_model, o.heads, o.dropout));
  cross_attn = register_module("multihead_attn", std::make_shared<MultiHeadAttention>(o.d_model, o.heads, o.dropout));
  ff = std::make_shared<FeedForward>(o.d_model, o.ff_dim, o.dropout, o.activation);
  register_module("linear1", ff->linear1);
  register_module("dropout", ff->dropout);
  register_module("linear2", ff->linear2);
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(o.d_model, o.eps));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(o.d_model, o.eps));
  norm3 = register_module("norm3", std::make_shared<LayerNorm>(o.d_model, o.eps));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
  dropout3 = register_module("dropout3", std::make_shared<Dropout>(o.dropout));
}

Tensor DecoderLayer::forward(const Tensor& y, const Tensor& memory, const IntTensor* tgt_padding,
                             const IntTensor* src_padding) const {
  auto self_block = [&](const Tensor& h) { return dropout1->forward(self_attn->forward(h, h, tgt_padding, true)); };
  auto cross_block = [&](const Tensor& h) {
    return dropout2->forward(cross_attn->forward(h, memory, src_padding, false));
  };
  auto feed = [&](const Tensor& h) { return dropout3->forward(ff->forward(h)); };
  if (options.norm_first) {
    Tensor h = y + self_block(norm1->forward(y));
    h = h + cross_block(norm2->forward(h));
    return h + feed(norm3->forward(h));
  }
  Tensor h = norm1->forward(y + self_block(y));
  h = norm2->forward(h + cross_block(h));
  return norm3->forward(h + feed(h));
}

}  // namespace mt::nn
