// The backward engine: record() puts nodes on the tape; Tensor::backward() walks it.
// Two iterative passes (no recursion, so graph depth is unlimited): count how many consumers
// each node's output has, then run nodes in Kahn order, so a node runs only after every
// gradient of its output has arrived. Backward functions return gradients; this file is the
// only place that checks and adds them up. Read next: ops/binary.cpp, an op with broadcasting.
#include <vector>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {

Tensor record(const char* name, Tensor out, std::vector<Tensor> inputs, BackwardFn backward) {
  if (!grad_enabled()) return out;
  bool any = false;
  for (const Tensor& t : inputs) any = any || (t.defined() && t.requires_grad());
  if (!any) return out;
  auto node = std::make_shared<Node>();
  node->name = name;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  out.set_grad_fn(std::move(node));
  return out;
}

Node::~Node() {
  // Destroying a long chain recursively (node -> input -> node ...) would overflow the stack.
  // Instead, detach the nodes that only this chain owns and destroy them one by one.
  std::vector<std::shared_ptr<Node>> owned;
  auto take_inputs = [&owned](Node& node) {
    node.backward = nullptr;  // its captures may hold the same inputs
    for (Tensor& input : node.inputs) {
      if (!input.defined() || input.impl_.use_count() != 1) continue;
      std::shared_ptr<Node> next = input.grad_fn();
      if (next && next.use_count() == 2) {  // 2: `next` and the input tensor
        input.set_grad_fn(nullptr);
        owned.push_back(std::move(next));
      }
    }
    node.inputs.clear();
  };
  take_inputs(*this);
  while (!owned.empty()) {
    std::shared_ptr<Node> node = std::move(owned.back());
    owned.pop_back();
    take_inputs(*node);
  }  // `node` is destroyed here, with no inputs left to recurse into
}

namespace {

uint64_t g_backward_epoch = 0;

// Adds `g` into `slot`. Never in place: a backward function may return a tensor it shares.
void accumulate(Tensor& slot, const Tensor& g) {
  MT_PROFILE("grad accumulation");
  slot = slot.defined() ? add(slot, g) : g;
}

void check_gradients(const Node& node, const std::vector<Tensor>& grads) {
  MT_CHECK(grads.size() == node.inputs.size(), node.name, " backward: returned ", grads.size(),
           " gradients for ", node.inputs.size(), " inputs");
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) continue;
    MT_CHECK(grads[i].shape() == node.inputs[i].shape(), node.name, " backward: gradient ", i,
             " has shape ", grads[i].shape(), ", expected ", node.inputs[i].shape());
  }
}

// Pass 1: visit every node reachable from `root` and count the consumers of each output.
void count_consumers(Node* root, uint64_t epoch) {
  std::vector<Node*> stack{root};
  root->visit_epoch = epoch;
  root->pending = 0;
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const Tensor& input : node->inputs) {
      Node* next = input.defined() ? input.grad_fn().get() : nullptr;
      if (next == nullptr) continue;
      if (next->visit_epoch != epoch) {
        next->visit_epoch = epoch;
        next->pending = 0;
        next->grad = Tensor();
        stack.push_back(next);
      }
      ++next->pending;
    }
  }
}

}  // namespace

void Tensor::backward(const Tensor& dy, bool retain_graph) const {
  MT_CHECK(requires_grad(), "backward: this tensor does not require grad (no parameter reached it)");
  Tensor seed = dy;
  if (!seed.defined()) {
    MT_CHECK(numel() == 1, "backward: a gradient must be given for a non-scalar output of shape ", shape());
    seed = ones(shape());
  }
  MT_CHECK(seed.shape() == shape(), "backward: gradient shape ", seed.shape(), " does not match output shape ",
           shape());
  NoGradGuard no_grad;  // backward functions compute with ops but record nothing
  BackwardPhase phase;  // for the op profiler

  if (!grad_fn()) {  // a leaf: its gradient is the seed itself
    Tensor g = grad();
    accumulate(g, clone(seed));
    set_grad(g);
    return;
  }

  const uint64_t epoch = ++g_backward_epoch;
  Node* root = grad_fn().get();
  count_consumers(root, epoch);
  root->grad = seed;

  // Pass 2: Kahn's algorithm. A node is ready once all its consumers have run.
  std::vector<std::shared_ptr<Node>> ready{grad_fn()};
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    MT_CHECK(node->backward != nullptr, "backward: the graph through '", node->name,
             "' was already freed by an earlier backward(); pass retain_graph=true to the first one");

    std::vector<Tensor> grads;
    if (node->grad.defined()) {  // an output that no gradient reached passes none on
      MT_PROFILE(node->name);
      grads = node->backward(node->grad.contiguous());  // backward functions get contiguous dy
      check_gradients(*node, grads);
    }
    node->grad = Tensor();

    for (size_t i = 0; i < node->inputs.size(); ++i) {
      const Tensor& input = node->inputs[i];
      if (!input.defined()) continue;
      const Tensor g = i < grads.size() ? grads[i] : Tensor();
      if (const std::shared_ptr<Node>& next = input.grad_fn()) {
        if (g.defined()) accumulate(next->grad, g);
        if (--next->pending == 0) ready.push_back(next);
      } else if (input.requires_grad() && g.defined()) {
        // Leaf gradients are contiguous and own their storage, so optimizers may update
        // them in place.
        Tensor slot = input.grad();
        const Tensor gc = g.contiguous();
        accumulate(slot, slot.defined() || gc.storage().use_count() == 1 ? gc : clone(gc));
        input.set_grad(slot);
      }
    }
    if (!retain_graph) {
      node->backward = nullptr;  // frees what the op saved for backward
      node->inputs.clear();      // and unlinks the graph
    }
  }
}

}  // namespace mt
