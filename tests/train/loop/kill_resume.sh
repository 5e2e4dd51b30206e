#!/usr/bin/env bash
# Crash safety: train, kill -9 at a random moment, resume, many times over. Every run must end
# by the kill (exit 137) or finish (exit 0), never by an error loading what the last one left;
# at the end the run directory must still translate.
#   kill_resume.sh MINITRANS_BINARY SOURCE_DIR [ROUNDS]
set -uo pipefail
bin=$1 root=$2 rounds=${3:-20}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run=$dir/run
config=(--model.d_model=32 --model.heads=2 --model.encoder_layers=1 --model.decoder_layers=1 --model.ff_dim=64 --model.max_positions=40
        --data.train_src="$root/data/toy/valid.src" --data.train_tgt="$root/data/toy/valid.tgt"
        --data.max_len=32 --data.max_tokens=256 --optim.warmup=10 --train.valid_every=3
        --train.log_every=1000 --train.max_steps=100000 --train.epochs=100000)
RANDOM=7  # the same kill moments on every run of the test
kills=0 resumes=0 resumed_logs=0 advanced=0 last_step=0
for ((i = 1; i <= rounds; i++)); do
  resuming=0
  if [[ -f $run/model.safetensors ]]; then
    "$bin" train --resume "$run" --train.max_steps=100000 > "$dir/log" 2>&1 &
    resumes=$((resumes + 1)) resuming=1
  else
    "$bin" train "${config[@]}" --train.run_dir="$run" > "$dir/log" 2>&1 &
  fi
  pid=$!
  sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
  kill -9 "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  status=$?
  if [[ $status -ne 137 && $status -ne 0 ]]; then
    echo "round $i: training failed with exit $status:"
    cat "$dir/log"
    exit 1
  fi
  [[ $status -eq 137 ]] && kills=$((kills + 1))
  # A resume that got as far as loading says so; the checkpoint's step only ever moves on.
  (( resuming )) && grep -q "resumed $run at step" "$dir/log" && resumed_logs=$((resumed_logs + 1))
  if [[ -f $run/model.safetensors ]]; then
    now=$(grep -ao '"step":"[0-9]*"' "$run/model.safetensors" | head -n 1 | tr -dc 0-9)
    (( now < last_step )) && { echo "round $i: the checkpoint went back from step $last_step to $now"; exit 1; }
    (( now > last_step )) && advanced=$((advanced + 1))
    last_step=$now
  fi
done
# Every run was stopped by its kill (none can finish: max_steps is 100000), most rounds resumed
# a checkpoint and said so, and the checkpoint moved on in most rounds.
(( kills == rounds )) || { echo "only $kills of $rounds runs were killed"; exit 1; }
(( resumes >= rounds / 2 && resumed_logs >= resumes / 2 )) ||
  { echo "$resumes rounds resumed, $resumed_logs of them logged it: the kills came too early"; exit 1; }
(( advanced >= rounds / 2 )) || { echo "the checkpoint moved on in only $advanced of $rounds rounds"; exit 1; }
echo "the first" | "$bin" translate --checkpoint "$run" > /dev/null || { echo "the run no longer loads"; exit 1; }
step=$(grep -ao '"step":"[0-9]*"' "$run/model.safetensors" | head -n 1 | tr -dc 0-9)
echo "$rounds rounds: $kills killed with SIGKILL, $resumes resumed ($resumed_logs logged it), the checkpoint moved on in $advanced; last checkpoint at step $step"

# Ctrl-C and SIGTERM: the run finishes its step, saves, names the run directory and exits 0;
# the checkpoint it saved is at a later step and loads.
for signal in INT TERM; do
  "$bin" train --resume "$run" --train.max_steps=100000 > "$dir/log" 2>&1 &
  pid=$!
  sleep 1.5
  kill -s "$signal" "$pid"
  wait "$pid"
  status=$?
  saved=$(grep -ao '"step":"[0-9]*"' "$run/model.safetensors" | head -n 1 | tr -dc 0-9)
  if [[ $status -ne 0 ]] || ! grep -q "on request; checkpoint saved in $run" "$dir/log" || (( saved <= step )); then
    echo "SIG$signal: exit $status, checkpoint at step $saved (was $step):"
    cat "$dir/log"
    exit 1
  fi
  echo "SIG$signal: exit 0 at step $saved, run directory named"
  step=$saved
done
echo "the first" | "$bin" translate --checkpoint "$run" > /dev/null || { echo "the run no longer loads"; exit 1; }
