// Prints the autograd graph of one Transformer encoder layer (self-attention, feed-forward,
// the two LayerNorms, with a padding mask) as Graphviz DOT, for docs/autograd_graph.md:
//   build/attention-graph > layer.dot && dot -Tsvg layer.dot > layer.svg
// Every box is an op the engine will run backward through; the filled ellipses are the
// layer's parameters, named as in a checkpoint.
#include <iostream>

#include "autograd/dot.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/encoder_layer.h"

using namespace mt;

int main() {
  manual_seed(0);
  const nn::EncoderLayer layer({.d_model = 8, .heads = 2, .ff_dim = 16, .dropout = 0.0f});
  const Tensor x = randn({1, 3, 8});              // one sentence of 3 tokens, d_model 8
  const IntTensor padding({0, 0, 1}, {1, 3});     // its last position is padding
  const Tensor loss = layer.forward(x, &padding).sum();
  std::cout << to_dot(loss, layer.named_parameters());
  return 0;
}
