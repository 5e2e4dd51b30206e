#!/usr/bin/env bash
# Data-parallel training under mpirun (about 30 s on 2 cores):
#   2 ranks give bit for bit the weights of one process with train.accumulate = 2 (dropout on),
#   3 ranks those of accumulate = 3 (the fixed-order sum), a resumed 2-rank run those of an
#   uninterrupted one; SIGINT to mpirun stops every rank after the same step with one checkpoint;
#   a rank killed with SIGKILL ends the job with rank 0's one-line error, never a hang, and the
#   last checkpoint loads; a bad train.accumulate is one error line.
#   mpi.sh MINITRANS_BINARY SOURCE_DIR
set -uo pipefail
bin=$1 root=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mpirun=(mpirun --oversubscribe)
[[ $(id -u) -eq 0 ]] && mpirun+=(--allow-run-as-root)  # OpenMPI refuses root without it
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
config=(--config "$root/configs/toy.ini" --model.d_model=32 --model.heads=2 --model.encoder_layers=1 --model.decoder_layers=1 --model.ff_dim=64
        --model.max_positions=40 --model.dropout=0.1 --data.max_len=32 --data.max_tokens=512 --optim.schedule=noam
        --optim.lr=0.01 --optim.warmup=10
        --data.train_src="$root/data/toy/valid.src" --data.train_tgt="$root/data/toy/valid.tgt"
        --data.valid_src="$root/data/toy/valid.src" --data.valid_tgt="$root/data/toy/valid.tgt"
        --data.test_src= --data.test_tgt= --train.valid_every=10 --train.log_every=5 --train.valid_bleu_sentences=20
        --train.threads=1 --train.epochs=1000)
same() {  # same WHAT RUN_A RUN_B: the latest weights are equal byte for byte
  if cmp -s "$2/model.safetensors" "$3/model.safetensors"; then echo "ok: $1"; else fail "$1"; fi
}

"$bin" train "${config[@]}" --train.max_steps=20 --train.accumulate=2 --train.run_dir="$dir/one2" > "$dir/log" 2>&1 ||
  { cat "$dir/log"; fail "one process, accumulate 2"; }
"${mpirun[@]}" -np 2 "$bin" train "${config[@]}" --train.max_steps=20 --train.run_dir="$dir/ranks2" > "$dir/log" 2>&1 ||
  { cat "$dir/log"; fail "2 ranks"; }
grep -q "1 per rank" "$dir/log" || fail "2 ranks: the log does not say how the batch is cut"
same "2 ranks = one process with accumulate 2, after 20 steps" "$dir/one2" "$dir/ranks2"

"$bin" train "${config[@]}" --train.max_steps=20 --train.accumulate=3 --train.run_dir="$dir/one3" > "$dir/log" 2>&1 ||
  { cat "$dir/log"; fail "one process, accumulate 3"; }
"${mpirun[@]}" -np 3 "$bin" train "${config[@]}" --train.max_steps=20 --train.run_dir="$dir/ranks3" > "$dir/log" 2>&1 ||
  { cat "$dir/log"; fail "3 ranks"; }
same "3 ranks = one process with accumulate 3, after 20 steps" "$dir/one3" "$dir/ranks3"
cmp -s "$dir/one2/model.safetensors" "$dir/one3/model.safetensors" && fail "accumulate 2 and 3 gave the same weights"

"${mpirun[@]}" -np 2 "$bin" train "${config[@]}" --train.max_steps=10 --train.run_dir="$dir/resumed" > "$dir/log" 2>&1 &&
  "${mpirun[@]}" -np 2 "$bin" train --resume "$dir/resumed" --train.max_steps=20 > "$dir/log" 2>&1 ||
  { cat "$dir/log"; fail "2 ranks, 10 steps then resumed to 20"; }
same "2 ranks resumed at step 10 = 2 ranks uninterrupted, after 20 steps" "$dir/ranks2" "$dir/resumed"

# The step a checkpoint belongs to, from its weights' metadata.
checkpoint_step() { grep -ao '"step":"[0-9]*"' "$1/model.safetensors" | head -n 1 | tr -dc 0-9; }
# Waits (up to 60 s) for the first checkpoint of a run.
await_checkpoint() { for _ in $(seq 600); do [[ -f $1/model.safetensors ]] && return 0; sleep 0.1; done; return 1; }

"${mpirun[@]}" -np 2 "$bin" train "${config[@]}" --train.max_steps=100000 --train.run_dir="$dir/stopped" > "$dir/log" 2>&1 &
job=$!
await_checkpoint "$dir/stopped" || fail "stop: no checkpoint within 60 s"
kill -INT "$job"
wait "$job"
stopped=$(grep -o "stopped at step [0-9]* on request" "$dir/log" | tr -dc 0-9)
if [[ -n $stopped && $(checkpoint_step "$dir/stopped") == "$stopped" ]]; then
  echo "ok: SIGINT to mpirun: rank 0 stopped after step $stopped and saved it"
  cat "$dir/log"
else
  cat "$dir/log"; fail "SIGINT to mpirun: no checkpoint of the step stopped at"
fi
"${mpirun[@]}" -np 2 "$bin" train --resume "$dir/stopped" --train.max_steps=$((stopped + 5)) > "$dir/log" 2>&1 &&
  grep -q "trained 5 steps (to step $((stopped + 5)))" "$dir/log" && echo "ok: the stopped run resumes with 2 ranks" ||
  { cat "$dir/log"; fail "the stopped run does not resume"; }

"${mpirun[@]}" -np 2 "$bin" train "${config[@]}" --train.max_steps=100000 --train.run_dir="$dir/killed" > "$dir/log" 2>&1 &
job=$!
await_checkpoint "$dir/killed" || fail "kill: no checkpoint within 60 s"
rank1=""
for pid in $(pgrep -f "run_dir=$dir/killed"); do
  tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" && rank1=$pid
done
[[ -n $rank1 ]] || fail "kill: rank 1 not found"
kill -9 "$rank1"
SECONDS=0
while kill -0 "$job" 2> /dev/null && ((SECONDS < 60)); do sleep 0.2; done
if kill -0 "$job" 2> /dev/null; then
  kill -9 "$job"; fail "kill: the job still runs 60 s after rank 1 died (a hang)"
fi
wait "$job"
status=$?
if ((status != 0)) && grep -q "^minitrans: error: rank 0: mpirun is ending the job while the ranks wait" "$dir/log"; then
  echo "ok: rank 1 killed: the job ended in ${SECONDS} s with exit $status and rank 0's error line"
  cat "$dir/log"
else
  cat "$dir/log"; fail "kill: exit $status without rank 0's error line"
fi
"$bin" train --resume "$dir/killed" --train.max_steps=$(($(checkpoint_step "$dir/killed") + 2)) > "$dir/log" 2>&1 &&
  echo "ok: the killed run's checkpoint loads and trains on in one process" ||
  { cat "$dir/log"; fail "the killed run's checkpoint does not load"; }

"${mpirun[@]}" -np 2 "$bin" train "${config[@]}" --train.accumulate=3 --train.run_dir="$dir/bad" > "$dir/log" 2>&1
status=$?
errors=$(grep -c "^minitrans: error: train.accumulate = 3 is not a multiple of the 2 ranks" "$dir/log")
if ((status != 0 && errors == 1)); then echo "ok: accumulate 3 on 2 ranks: one error line"; else
  cat "$dir/log"; fail "accumulate 3 on 2 ranks: exit $status, $errors error lines"; fi

((failures == 0)) && echo "all MPI checks passed" || { echo "$failures MPI checks failed"; exit 1; }
