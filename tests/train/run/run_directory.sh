#!/usr/bin/env bash
# What processes share, with real processes. A run directory holds one run: a second `train` on
# a directory in use is refused in one line naming the first one's pid while the first finishes
# intact, and `train` pointed again at the finished run (README command 1 run twice) reports it
# with its test translations and scores, leaving its weights as they were. A prepared set made
# by three processes at once is made once, whole.    run_directory.sh MINITRANS SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1") root=$(realpath "$2")
T=$(mktemp -d)
first=""
trap '[[ -n $first ]] && kill "$first" 2> /dev/null; rm -rf "$T"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
cd "$root"
train=("$bin" train --config configs/toy.ini --train.run_dir="$T/run" --train.max_steps=300 --optim.warmup=50
       --train.valid_every=100 --train.log_every=100)

"${train[@]}" > "$T/first.log" 2>&1 &
first=$!
for _ in $(seq 600); do  # until the first run holds the directory (its lock names its pid)
  [[ -s $T/run/.lock ]] && break
  sleep 0.1
done
[[ -s $T/run/.lock ]] || { cat "$T/first.log"; fail "the first run never took its directory"; }

"${train[@]}" > "$T/second.out" 2> "$T/second.err" && fail "a second train on a directory in use ran"
[[ $(wc -l < "$T/second.err") -eq 1 ]] || { cat "$T/second.err"; fail "the refusal is not one line"; }
grep -q "minitrans: error: $T/run: in use by another minitrans process (pid $first)" "$T/second.err" ||
  fail "the refusal does not name the directory and the first run's pid: $(cat "$T/second.err")"
echo "  ok: $(cat "$T/second.err")"

wait "$first" || { cat "$T/first.log"; fail "the first run failed"; }
first=""
grep -q "trained 300 steps" "$T/first.log" || { cat "$T/first.log"; fail "the first run did not finish its 300 steps"; }
weights=$(sha256sum < "$T/run/model.safetensors")
echo "  ok: the first run finished its 300 steps"

"${train[@]}" > "$T/third.out" 2> "$T/third.err" || { cat "$T/third.err"; fail "train on a finished run failed"; }
grep -q "$T/run holds a finished run (train.max_steps reached at step 300); nothing to train" "$T/third.err" ||
  { cat "$T/third.err"; fail "the finished run did not report itself"; }
grep -q "^test: sentences 1000" "$T/third.err" || { cat "$T/third.err"; fail "no test scores"; }
grep -q "^  hyp: " "$T/third.err" || { cat "$T/third.err"; fail "no test translations"; }
[[ $(sha256sum < "$T/run/model.safetensors") == "$weights" ]] || fail "the finished run's weights changed"
echo "  ok: a train on the finished run reported it and left its weights alone"

for i in 1 2 3; do
  "$bin" prepare --config configs/toy.ini --data.cache_dir="$T/cache" > "$T/prepare$i.out" 2> "$T/prepare$i.err" &
done
wait || fail "a concurrent prepare failed"
sets=$(ls "$T/cache/prepared" | grep -v '\.lock$')
[[ $(wc -w <<< "$sets") -eq 1 ]] || fail "three processes left more than one set: $sets"
[[ $(grep -l "(made now)" "$T"/prepare?.out | wc -l) -eq 1 ]] || fail "the set was not made exactly once"
"$bin" prepare --config configs/toy.ini --data.cache_dir="$T/cache" --verify > "$T/verify.out" 2>&1 ||
  { cat "$T/verify.out"; fail "the set made concurrently does not verify"; }
echo "  ok: three concurrent prepares made one set, which verifies"
