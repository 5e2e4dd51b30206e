#!/usr/bin/env bash
# Your own corpus, at scale: the Multi30k recipe (configs/multi30k.ini, SentencePiece trained on
# the fly) on its training split repeated 10 and 100 times (2.9 million pairs at 100, about WMT14
# en-de's size), every copy made distinct (bench/repeat_corpus.py), with no validation or test
# files. For each size it prints the whole command's wall time with 5 steps on a first run (which
# prepares the training set) and on a second run in a new run directory (which reuses it), the
# peak RSS and peak anonymous memory of each (bench/peak_memory.py; the prepared set's mapped
# pages count in RSS, not in anonymous memory), the prepared set's size on disk, and the tokens/s
# of the first 50 steps (a third run, reusing the set). Needs scripts/fetch_multi30k.sh and
# python3; about 10 minutes on 2 cores, and 2 GB of scratch disk.
#   bench/corpus_scaling.sh [COPIES ...]      from the repository root, after building build/
set -euo pipefail
copies=("$@")
[[ ${#copies[@]} -gt 0 ]] || copies=(10 100)
bin=$(realpath build/minitrans)
[[ -f data/multi30k/train.de.gz ]] || { echo "corpus_scaling: run scripts/fetch_multi30k.sh first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
printf '%-7s %-10s %8s %12s %13s %10s %9s\n' copies run wall_s peak_rss_mib peak_anon_mib set_mib tok_per_s
for n in "${copies[@]}"; do
  bench/repeat_corpus.py "$n" data/multi30k/train.de.gz data/multi30k/train.en.gz "$work/c.de" "$work/c.en" > "$work/repeat.log"
  run=(--config configs/multi30k.ini --data.train_src="$work/c.de" --data.train_tgt="$work/c.en"
       --data.valid_src= --data.valid_tgt= --data.test_src= --data.test_tgt= --data.cache_dir="$work/cache"
       --train.time_limit=0 --optim.schedule=noam --train.show_translations=0 --train.health=false)  # a few steps: no decay
  for which in first second; do
    bench/peak_memory.py "$bin" train "${run[@]}" --train.max_steps=5 --train.run_dir="$work/run-$which" \
      > "$work/$which.log" 2> "$work/$which.err" || { cat "$work/$which.err"; exit 1; }
    figures=$(tail -n 1 "$work/$which.err")
    set_mib=$(du -sm "$work/cache/prepared" | cut -f1)
    printf '%-7s %-10s %8s %12s %13s %10s %9s\n' "$n" "$which" "$(awk '{print $2}' <<< "$figures")" \
      "$(awk '{print $4}' <<< "$figures")" "$(awk '{print $6}' <<< "$figures")" "$set_mib" "-"
  done
  "$bin" train "${run[@]}" --train.max_steps=50 --train.log_every=50 --train.run_dir="$work/run-speed" \
    > "$work/speed.log" 2>&1 || { cat "$work/speed.log"; exit 1; }
  speed=$(grep -o '[0-9]* tok/s' "$work/speed.log" | tail -n 1 | cut -d' ' -f1)
  printf '%-7s %-10s %8s %12s %13s %10s %9s\n' "$n" "50 steps" - - - - "$speed"
  grep -h "SentencePiece\|prepared the training set" "$work/first.err" | sed 's/^/    /'
  echo "    $(cat "$work/repeat.log")"
  rm -rf "$work/cache" "$work"/run-* "$work"/c.*
done
