#!/usr/bin/env bash
# The autograd graph of one encoder layer (examples/attention_graph/attention_graph.cpp) is valid DOT: Graphviz
# lays it out, and the parameters and the attention op are in the picture.
#   dot_graph.sh ATTENTION_GRAPH_BINARY      (exit 77, skipped, without Graphviz's dot)
set -euo pipefail
command -v dot > /dev/null || { echo "skipped: no dot (scripts/setup.sh --tests installs graphviz)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$1" > "$T/layer.dot"
dot -Tsvg "$T/layer.dot" -o "$T/layer.svg"
for label in self_attn.in_proj_weight linear1.weight norm2.bias '>attention<' '>layer_norm<' '>sum<'; do
  grep -q -- "$label" "$T/layer.svg" || { echo "the rendered graph lacks $label"; exit 1; }
done
"$1" mul > "$T/mul.dot"
dot -Tsvg "$T/mul.dot" -o "$T/mul.svg"
for label in '>mul<' '>sum<' '>a<' '>b<'; do
  grep -q -- "$label" "$T/mul.svg" || { echo "the rendered graph of mul lacks $label"; exit 1; }
done
echo "attention-graph: $(grep -c 'shape=box' "$T/layer.dot") ops, $(grep -c 'shape=ellipse' "$T/layer.dot") leaves; dot rendered it"
