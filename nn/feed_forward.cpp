// FeedForward; see feed_forward.h.
#include "nn/feed_forward.h"

#include <map>

#include "autograd/check.h"
#include "autograd/ops.h"

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
std::map<std::string, FeedForwardFactory>& registry() {
  static std::map<std::string, FeedForwardFactory> factories = {
      {"standard", [](const BlockSizes& s) {
         return std::make_shared<FeedForward>(s.dim, s.hidden, s.dropout, s.activation);
       }}};
  return factories;
}
}  // namespace

void register_feed_forward(const std::string& name, FeedForwardFactory make) {
  MT_CHECK(!name.empty() && make, "register_feed_forward: a name and a factory are needed");
  registry()[name] = std::move(make);
}

std::vector<std::string> feed_forward_names() {
  std::vector<std::string> names;
  for (const auto& [name, make] : registry()) names.push_back(name);
  return names;
}

std::shared_ptr<PositionwiseBlock> make_feed_forward(const std::string& name, const BlockSizes& sizes) {
  const auto it = registry().find(name);
  if (it == registry().end()) {
    std::string known;
    for (const std::string& n : feed_forward_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error(str("model.feed_forward: no block named '", name, "' (registered: ", known, ")"));
  }
  return it->second(sizes);
}

std::string FeedForward::extra_repr() const { return activation == Activation::kGelu ? "gelu" : "relu"; }

}  // namespace mt::nn
