// Graphviz output of the tape; see dot.h.
#include "autograd/dot.h"

#include <map>
#include <sstream>

#include "autograd/node.h"

namespace mt {
namespace {

std::string shape_text(const Tensor& t) {
  std::string s = "[";
  for (size_t i = 0; i < t.shape().size(); ++i) s += (i ? ", " : "") + std::to_string(t.shape()[i]);
  return s + "]";
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";  // a line break in a DOT label
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

class DotWriter {
 public:
  explicit DotWriter(const std::vector<std::pair<std::string, Tensor>>& names) : names_(names) {}

  std::string finish(const Tensor& root) {
    const std::string top = id_of(root);
    while (!pending_.empty()) {  // iterative, like the engine: graphs may be deep
      const auto [node, id] = pending_.back();
      pending_.pop_back();
      for (const Tensor& input : node->inputs) {
        if (input.defined()) out_ << "  " << id_of(input) << " -> " << id << ";\n";
      }
    }
    return "digraph autograd {\n  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=10];\n" + out_.str() + "  " +
           top + " [penwidth=2];\n}\n";
  }

 private:
  // The id of the graph node that stands for `t`: its op node (queued to list its inputs when
  // first seen) or a leaf ellipse.
  std::string id_of(const Tensor& t) {
    if (const Node* node = t.grad_fn().get()) {
      auto [it, fresh] = ops_.try_emplace(node, "op" + std::to_string(ops_.size()));
      if (fresh) {
        out_ << "  " << it->second << " [shape=box, style=\"rounded,filled\", fillcolor=\"#dbe9f6\", label="
             << quoted(std::string(node->name) + "\n" + shape_text(t)) << "];\n";
        pending_.emplace_back(node, it->second);
      }
      return it->second;
    }
    for (const auto& [tensor, id] : leaves_) {
      if (tensor.is_same(t)) return id;
    }
    const std::string id = "leaf" + std::to_string(leaves_.size());
    leaves_.emplace_back(t, id);
    std::string name = t.requires_grad() ? "parameter" : "input";
    for (const auto& [n, p] : names_) {
      if (p.is_same(t)) name = n;
    }
    out_ << "  " << id << " [shape=ellipse" << (t.requires_grad() ? ", style=filled, fillcolor=\"#fde3b0\"" : "")
         << ", label=" << quoted(name + "\n" + shape_text(t)) << "];\n";
    return id;
  }

  const std::vector<std::pair<std::string, Tensor>>& names_;
  std::map<const Node*, std::string> ops_;
  std::vector<std::pair<const Node*, std::string>> pending_;
  std::vector<std::pair<Tensor, std::string>> leaves_;
  std::ostringstream out_;
};

}  // namespace

std::string to_dot(const Tensor& root, const std::vector<std::pair<std::string, Tensor>>& names) {
  return DotWriter(names).finish(root);
}

}  // namespace mt
