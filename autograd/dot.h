// The autograd graph as Graphviz DOT, to see what backward() will walk: one box per op node
// with its name and output shape, one ellipse per leaf input, parameters (leaves that require
// grad) filled and named, edges from inputs to the op that used them. Render with
// `dot -Tsvg graph.dot > graph.svg`; docs/autograd_graph.md shows one attention layer.
// Read next: engine.cpp.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace mt {

/// The graph that made `root`. `names` (e.g. a module's named_parameters()) labels the leaves
/// it lists; other leaves that require grad are shown as "parameter", the rest as "input".
/// Build the graph with grad mode on (not under NoGradGuard) and before calling backward().
std::string to_dot(const Tensor& root, const std::vector<std::pair<std::string, Tensor>>& names = {});

}  // namespace mt
