#!/usr/bin/env bash
# Training step time of the Multi30k recipe for several builds and precisions, interleaved: each
# round trains STEPS steps with every BINARY:PRECISION in turn (no validation, no test), then the
# median ms/step of each and its ratio to the first. For "bf16 against fp32" and "before and after".
#   ROUNDS=5 STEPS=100 bench/step_time.sh build/minitrans:fp32 build/minitrans:bf16 [other/minitrans:bf16 ...]
# Needs data/multi30k (scripts/fetch_multi30k.sh). CONFIG picks another recipe.
set -euo pipefail
rounds=${ROUNDS:-5} steps=${STEPS:-100} config=${CONFIG:-configs/multi30k.ini}
[ $# -ge 1 ] || { echo "usage: bench/step_time.sh BINARY:PRECISION [BINARY:PRECISION ...]" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq "$rounds"); do
  i=0
  for run in "$@"; do
    binary=${run%:*} precision=${run##*:}
    line=$("$binary" train --config "$config" --train.run_dir="$out/run" --overwrite --train.time_limit=0 \
      --train.max_steps="$steps" --train.valid_every=1000000 --train.precision="$precision" \
      --data.valid_src= --data.valid_tgt= --data.test_src= --data.test_tgt= 2>&1 | grep '^trained')
    ms=$(sed -E 's/.*\(([0-9.]+) ms\/step\).*/\1/' <<<"$line")
    echo "round $round  $run  $ms ms/step" >&2
    echo "$ms" >>"$out/$i"
    i=$((i + 1))
  done
done
i=0
for run in "$@"; do
  echo "$run $(sort -n "$out/$i" | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}')"
  i=$((i + 1))
done | awk -v rounds="$rounds" -v steps="$steps" '
  NR == 1 {first = $2}
  {printf "%-40s %8.1f ms/step  %5.2fx the first (median of %d rounds of %d steps)\n", $1, $2, first / $2, rounds, steps}'
