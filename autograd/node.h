// Node: one entry of the tape. An op that produces `out` from `inputs` records a node holding
// its name, its inputs, and a backward function that maps dL/d(out) to one gradient per input
// (an undefined Tensor where an input needs none). The engine (engine.cpp) calls them in
// reverse topological order and is the only place that adds gradients up.
// A backward function must not capture `out` itself (that would be a reference cycle):
// capture out.detach(), which shares the values without the history.
#pragma once

#include <functional>
#include <vector>

#include "autograd/tensor.h"

namespace mt {

/// Maps the output's gradient to one gradient per input.
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& dy)>;

struct Node {
  ~Node();  // frees long chains of nodes without recursion

  const char* name = "";
  std::vector<Tensor> inputs;
  BackwardFn backward;

  // Engine bookkeeping, valid only during backward().
  Tensor grad;                // sum of the gradients that reached this node's output
  int pending = 0;            // consumers of the output whose gradients have not arrived yet
  uint64_t visit_epoch = 0;   // which backward() call last counted this node
};

/// Attaches a node to `out` if grad mode is on and any input requires grad; returns `out`.
/// This is the last line of every differentiable op.
Tensor record(const char* name, Tensor out, std::vector<Tensor> inputs, BackwardFn backward);

}  // namespace mt
