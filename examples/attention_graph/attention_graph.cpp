// Prints the autograd graph of one Transformer encoder layer (self-attention, feed-forward,
// the two LayerNorms, with a padding mask) as Graphviz DOT, the picture in docs/seeing.md:
//   build/attention-graph > layer.dot && dot -Tsvg layer.dot > docs/images/encoder_layer_graph.svg
// Every box is an op the engine will run backward through; the filled ellipses are the
// layer's parameters, named as in a checkpoint. `attention-graph mul` prints the graph of one
// product instead, a [2, 3] by a broadcast [3] (the course's lesson 1, docs/course/).
#include <iostream>
#include <string>

#include "autograd/dot.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/encoder_layer.h"

using namespace mt;

int main(int argc, char** argv) {
  manual_seed(0);
  if (argc > 1 && std::string(argv[1]) == "mul") {
    const Tensor a = randn({2, 3}).requires_grad_(), b = randn({3}).requires_grad_();
    std::cout << to_dot(mul(a, b).sum(), {{"a", a}, {"b", b}});
    return 0;
  }
  const nn::EncoderLayer layer({.d_model = 8, .heads = 2, .ff_dim = 16, .dropout = 0.0f});
  const IntTensor ids({5, 7, 0}, {1, 3});  // one sentence of 3 tokens, the last one padding
  const nn::SequenceLayout layout = nn::SequenceLayout::packed(ids, 0);
  const Tensor x = randn({layout.size(), 8});  // its 2 real positions, d_model 8
  const Tensor loss = layer.forward(x, layout).sum();
  std::cout << to_dot(loss, layer.named_parameters());
  return 0;
}
