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
step_of() { grep -ao '"step":"[0-9]*"' "$run/model.safetensors" 2> /dev/null | head -n 1 | tr -dc 0-9; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# The kill moments scale with this build's speed (a sanitizer build starts several times slower,
# more so on a loaded machine): the first run measures how long it takes to write a checkpoint.
"$bin" train "${config[@]}" --train.run_dir="$run" > "$dir/log" 2>&1 &
pid=$! started=$(now_ms)
until [[ -f $run/model.safetensors ]] || (( $(now_ms) - started > 60000 )); do sleep 0.01; done
span=$(( $(now_ms) - started ))
kill -9 "$pid" 2> /dev/null
wait "$pid" 2> /dev/null
[[ -f $run/model.safetensors ]] || { echo "no checkpoint after 60 s:"; cat "$dir/log"; exit 1; }
last_step=$(step_of)

# Odd rounds kill at a random moment of the start (loading, the first steps, the first save);
# even rounds wait until the checkpoint has moved on, then kill at a random moment of the steps
# and saves that follow. A resume that makes no progress in 60 s is a failure.
RANDOM=7  # the same kill fractions on every run of the test
kills=0 resumed_logs=0 advanced=0
for ((i = 1; i <= rounds; i++)); do
  "$bin" train --resume "$run" --train.max_steps=100000 > "$dir/log" 2>&1 &
  pid=$! started=$(now_ms)
  if (( i % 2 == 0 )); then
    until [[ $(step_of) -gt $last_step ]] || ! kill -0 "$pid" 2> /dev/null || (( $(now_ms) - started > 60000 )); do
      sleep 0.01
    done
    [[ $(step_of) -gt $last_step ]] || { echo "round $i: no progress from step $last_step:"; cat "$dir/log"; exit 1; }
  fi
  sleep_ms $(( RANDOM % span + 1 ))
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
  grep -q "resumed $run at step" "$dir/log" && resumed_logs=$((resumed_logs + 1))
  now=$(step_of)
  [[ -n $now ]] || { echo "round $i: the checkpoint no longer reads"; exit 1; }
  (( now < last_step )) && { echo "round $i: the checkpoint went back from step $last_step to $now"; exit 1; }
  (( now > last_step )) && advanced=$((advanced + 1))
  last_step=$now
done
# Every run was stopped by its kill (none can finish: max_steps is 100000), at least the waiting
# rounds logged their resume, and the checkpoint moved on in at least those rounds.
(( kills == rounds )) || { echo "only $kills of $rounds runs were killed"; exit 1; }
(( resumed_logs >= rounds / 2 )) || { echo "only $resumed_logs of $rounds resumes logged it"; exit 1; }
(( advanced >= rounds / 2 )) || { echo "the checkpoint moved on in only $advanced of $rounds rounds"; exit 1; }
echo "the first" | "$bin" translate --checkpoint "$run" > /dev/null || { echo "the run no longer loads"; exit 1; }
step=$(step_of)
echo "$rounds rounds (kills within ${span} ms): each a resume, $kills killed with SIGKILL, $resumed_logs logged their resume, the checkpoint moved on in $advanced; last checkpoint at step $step"

# Ctrl-C and SIGTERM: the run finishes its step, saves, names the run directory and exits 0;
# the checkpoint it saved is at a later step and loads.
for signal in INT TERM; do
  "$bin" train --resume "$run" --train.max_steps=100000 > "$dir/log" 2>&1 &
  pid=$! started=$(now_ms)
  until grep -q "resumed $run at step" "$dir/log" || (( $(now_ms) - started > 60000 )); do sleep 0.01; done
  sleep_ms "$span"
  kill -s "$signal" "$pid"
  wait "$pid"
  status=$?
  saved=$(step_of)
  if [[ $status -ne 0 ]] || ! grep -q "on request; checkpoint saved in $run" "$dir/log" || (( saved <= step )); then
    echo "SIG$signal: exit $status, checkpoint at step $saved (was $step):"
    cat "$dir/log"
    exit 1
  fi
  echo "SIG$signal: exit 0 at step $saved, run directory named"
  step=$saved
done
echo "the first" | "$bin" translate --checkpoint "$run" > /dev/null || { echo "the run no longer loads"; exit 1; }
