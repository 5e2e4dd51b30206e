#!/usr/bin/env bash
# Data parallel on one machine: mpirun -np 2 with 1 thread per rank against one process with 2
# threads, the same global batches (so the same tokens per step), in interleaved pairs; prints
# each pair's ms/step (training time only: validation is off until the final one) and the
# median tokens/s ratio, ranks over threads. Two workloads: the small preset's model and batch
# (D=256, 8 heads, 3+3 layers, F=512, 1792-token batches) on the toy corpus, and the Multi30k
# recipe (configs/multi30k.ini; needs scripts/fetch_multi30k.sh).
#   bench/scaling.sh [PAIRS] [STEPS]      from the repository root, after building build/
set -euo pipefail
pairs=${1:-3} steps=${2:-40}
bin=build/minitrans
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpirun=(mpirun)
[[ $(id -u) -eq 0 ]] && mpirun+=(--allow-run-as-root)
common=(--train.max_steps="$steps" --train.valid_every=1000000 --train.log_every=1000000 --train.show_translations=0
        --train.time_limit=0 --train.health=false --data.test_src= --data.test_tgt= --data.test_tsv=)
small=(--config configs/toy.ini --model.d_model=256 --model.heads=8 --model.encoder_layers=3 --model.decoder_layers=3 --model.ff_dim=512
       --model.dropout=0.1 --data.max_tokens=1792 --optim.schedule=noam --optim.warmup=100)
multi30k=(--config configs/multi30k.ini --train.valid_bleu_sentences=0 --optim.schedule=noam)  # linear decays at max_steps
if [[ -f data/multi30k/train.de.gz ]]; then  # one SentencePiece model for every run
  "$bin" train "${multi30k[@]}" --train.max_steps=1 --train.time_limit=0 --train.show_translations=0 \
    --data.test_src= --data.test_tgt= --train.run_dir="$work/spm" > "$work/spm.log" 2>&1 || { cat "$work/spm.log"; exit 1; }
  multi30k+=(--data.spm_model="$work/spm/spm.model")
fi

ms_per_step() { grep -o '([0-9.]* ms/step)' "$1" | tr -dc '0-9.'; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

run_pairs() {  # run_pairs NAME ARGS...
  local name=$1 ratios=() threads ranks
  shift
  for ((i = 1; i <= pairs; i++)); do
    "$bin" train "$@" "${common[@]}" --train.threads=2 --train.run_dir="$work/t" > "$work/t.log" 2>&1 ||
      { cat "$work/t.log"; exit 1; }
    "${mpirun[@]}" -np 2 "$bin" train "$@" "${common[@]}" --train.threads=1 --train.run_dir="$work/r" > "$work/r.log" 2>&1 ||
      { cat "$work/r.log"; exit 1; }
    threads=$(ms_per_step "$work/t.log") ranks=$(ms_per_step "$work/r.log")
    ratios+=("$(awk -v a="$threads" -v b="$ranks" 'BEGIN {print a / b}')")
    printf '%s pair %d: 1 process x 2 threads %.1f ms/step, 2 ranks x 1 thread %.1f ms/step, tokens/s ratio %.3f\n' \
      "$name" "$i" "$threads" "$ranks" "${ratios[-1]}"
  done
  printf '%s: median tokens/s ratio, 2 ranks x 1 thread over 1 process x 2 threads: %.3f (%d pairs of %d steps)\n' \
    "$name" "$(printf '%s\n' "${ratios[@]}" | median)" "$pairs" "$steps"
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
[[ ${ONLY:-} == multi30k ]] || run_pairs small "${small[@]}"
if [[ -f data/multi30k/train.de.gz ]]; then
  run_pairs multi30k "${multi30k[@]}"
else
  echo "multi30k: skipped (run scripts/fetch_multi30k.sh first)"
fi
