#!/usr/bin/env bash
# Training step time of the Multi30k recipe for several builds and precisions, interleaved: each
# round trains STEPS steps with every BINARY:PRECISION in turn (no validation, no test), then the
# median ms/step of each and the median of its speed ratio to the first run of each round. For
# "bf16 against fp32" and "before and after".
#   ROUNDS=5 STEPS=100 bench/step_time.sh build/minitrans:fp32 build/minitrans:bf16 [other/minitrans:bf16 ...]
# Needs data/multi30k (scripts/fetch_multi30k.sh). CONFIG picks another recipe. The runs use the
# noam schedule: the recipe's linear one decays to 0 at train.max_steps, which a timing run of
# fewer steps than its warmup cannot have (the learning rate does not change a step's time).
set -euo pipefail
rounds=${ROUNDS:-5} steps=${STEPS:-100} config=${CONFIG:-configs/multi30k.ini}
[ $# -ge 1 ] || { echo "usage: bench/step_time.sh BINARY:PRECISION [BINARY:PRECISION ...]" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq "$rounds"); do
  i=0
  for run in "$@"; do
    binary=${run%:*} precision=${run##*:}
    if ! "$binary" train --config "$config" --train.run_dir="$out/run" --overwrite --train.time_limit=0 \
      --train.max_steps="$steps" --optim.schedule=noam --train.valid_every=1000000 --train.precision="$precision" \
      --data.valid_src= --data.valid_tgt= --data.test_src= --data.test_tgt= >"$out/log" 2>&1; then
      echo "step_time.sh: $run failed:" >&2
      tail -n 3 "$out/log" >&2
      exit 1
    fi
    ms=$(sed -nE 's/^trained .*\(([0-9.]+) ms\/step\).*/\1/p' "$out/log")
    echo "round $round  $run  $ms ms/step" >&2
    echo "$ms" >>"$out/$i"
    i=$((i + 1))
  done
done
# Each run's median ms/step, and the median over the rounds of its ratio to the first run of the
# same round (a ratio is only taken within one round).
/usr/bin/python3 - "$out" "$rounds" "$steps" "$@" <<'PY'
import statistics, sys
out, rounds, steps, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
ms = [[float(v) for v in open(f"{out}/{i}")] for i in range(len(runs))]
for run, times in zip(runs, ms):
    ratio = statistics.median(first / t for first, t in zip(ms[0], times))
    print(f"{run:<40} {statistics.median(times):8.1f} ms/step  {ratio:5.2f}x the first"
          f"   (medians of {rounds} rounds of {steps} steps)")
PY
