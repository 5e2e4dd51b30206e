// Prints the autograd graph of one Transformer encoder layer (self-attention, feed-forward,
// the two LayerNorms, with a padding mask) as Graphviz DOT, the picture in docs/seeing.md:
//   build/attention-graph > layer.dot && dot -Tsvg layer.dot > docs/images/encoder_layer_graph.svg
// Every box is an op the engine will run backward through; the filled ellipses are the
// layer's parameters, named as in a checkpoint. With an argument it prints the graph of one
// op that the course has a learner write (docs/course/) instead:
//   mul            one product, a [2, 3] by a broadcast [3] (lesson 1)
//   cross_entropy  cross_entropy_reference over [3, 5] logits, the second target padding (lesson 3)
//   layer_norm     layer_norm_reference over [2, 4] rows with a weight and a bias (lesson 7)
#include <iostream>
#include <string>

#include "autograd/dot.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/encoder_layer.h"

using namespace mt;

namespace {

// The graph of `op`, or false when there is no op of that name.
bool print_op_graph(const std::string& op) {
  if (op == "mul") {
    const Tensor a = randn({2, 3}).requires_grad_(), b = randn({3}).requires_grad_();
    std::cout << to_dot(mul(a, b).sum(), {{"a", a}, {"b", b}});
  } else if (op == "cross_entropy") {
    const Tensor logits = randn({3, 5}).requires_grad_();
    const IntTensor targets({2, 0, 4}, {3});  // 0 is <pad>: ignored
    std::cout << to_dot(cross_entropy_reference(logits, targets, 0), {{"logits", logits}});
  } else if (op == "layer_norm") {
    const Tensor x = randn({2, 4}).requires_grad_(), w = randn({4}).requires_grad_(), b = randn({4}).requires_grad_();
    std::cout << to_dot(layer_norm_reference(x, w, b).sum(), {{"x", x}, {"weight", w}, {"bias", b}});
  } else {
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  manual_seed(0);
  if (argc > 1) {
    if (print_op_graph(argv[1])) return 0;
    std::cerr << "attention-graph: no op '" << argv[1] << "' (mul, cross_entropy, layer_norm)\n";
    return 2;
  }
  const nn::EncoderLayer layer({.d_model = 8, .heads = 2, .ff_dim = 16, .dropout = 0.0f});
  const IntTensor ids({5, 7, 0}, {1, 3});  // one sentence of 3 tokens, the last one padding
  const nn::SequenceLayout layout = nn::SequenceLayout::packed(ids, 0);
  const Tensor x = randn({layout.size(), 8});  // its 2 real positions, d_model 8
  const Tensor loss = layer.forward(x, layout).sum();
  std::cout << to_dot(loss, layer.named_parameters());
  return 0;
}
