// FeedForward; see feed_forward.h.
#include "nn/feed_forward.h"


#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/registry.h"

namespace mt::nn {

FeedForward::FeedForward(int64_t dim, int64_t hidden, float p, Activation act) : activation(act) {
  linear1 = register_module("linear1", std::make_shared<Linear>(dim, hidden));
  dropout = register_module("dropout", std::make_shared<Dropout>(p));
  linear2 = register_module("linear2", std::make_shared<Linear>(hidden, dim));
}

Tensor FeedForward::forward(const Tensor& x) const {
  const Tensor h = linear1->forward(x);  // [..., F]
  return linear2->forward(dropout->forward(activation == Activation::kGelu ? gelu(h) : relu(h)));
}

namespace {
Registry<FeedForwardFactory>& registry() {
  static Registry<FeedForwardFactory> blocks("model.feed_forward", {{"standard", [](const LayerOptions& o) {
    return std::make_shared<FeedForward>(o.d_model, o.ff_dim, o.activation_rate(), o.activation);
  }}});
  return blocks;
}
}  // namespace

void register_feed_forward(const std::string& name, FeedForwardFactory make) { registry().add(name, std::move(make)); }
std::vector<std::string> feed_forward_names() { return registry().names(); }
std::shared_ptr<PositionwiseBlock> make_feed_forward(const std::string& name, const LayerOptions& options) {
  return registry().at(name)(options);
}

std::string FeedForward::extra_repr() const { return activation == Activation::kGelu ? "gelu" : "relu"; }

}  // namespace mt::nn
