#!/usr/bin/env bash
# The autograd graph of one encoder layer (examples/attention_graph/attention_graph.cpp) is valid DOT: Graphviz
# lays it out, and the parameters and the attention op are in the picture; so are the course's graphs of one op.
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
# The course's graphs of one op (lessons 1, 3 and 7): the op's boxes and its named leaves.
check_op() {
  local op=$1; shift
  "$BINARY" "$op" > "$T/$op.dot"
  dot -Tsvg "$T/$op.dot" -o "$T/$op.svg"
  for label in "$@"; do
    grep -q -- "$label" "$T/$op.svg" || { echo "the rendered graph of $op lacks $label"; exit 1; }
  done
}
BINARY=$1
check_op mul '>mul<' '>sum<' '>a<' '>b<'
check_op cross_entropy '>exp<' '>log<' '>mul<' '>logits<'
check_op layer_norm '>sqrt<' '>div<' '>x<' '>weight<' '>bias<'
if "$1" no_such_op > /dev/null 2> "$T/err"; then echo "an unknown op was accepted"; exit 1; fi
grep -q "no op 'no_such_op'" "$T/err" || { echo "an unknown op's error is unclear: $(cat "$T/err")"; exit 1; }
echo "attention-graph: $(grep -c 'shape=box' "$T/layer.dot") ops, $(grep -c 'shape=ellipse' "$T/layer.dot") leaves; dot rendered it"
