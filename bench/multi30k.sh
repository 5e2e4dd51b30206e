#!/usr/bin/env bash
# Time to quality on Multi30k de->en: configs/multi30k.ini trained by minitrans and by PyTorch
# (bench/torch_multi30k.py: the same SentencePiece model, architecture, recipe and batching
# policy), one after the other, MINUTES of training each; then both scored by `minitrans eval`
# on test_2016_flickr (the same decoder and sacreBLEU-style scorer for both): greedy and beam 4,
# detokenized cased BLEU and chrF. Prints one line per system and decoding; then time to quality:
# minitrans keeps its averaged weights every SNAPSHOT_MINUTES (default 1) of the clock that
# train.time_limit reads, validation included (train.snapshot_minutes); after the runs, outside
# the budget, each snapshot is scored the same way, and the first minute at which minitrans
# reaches PyTorch's MINUTES-minute test BLEU is printed, greedy and beam 4.
#   [SNAPSHOT_MINUTES=1] bench/multi30k.sh [MINUTES] [OUT_DIR]     (defaults: 15, runs/bench-multi30k)
# Needs the data (scripts/fetch_multi30k.sh), a Release build in build/, scripts/setup.sh --bench.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-15}
out=${2:-runs/bench-multi30k}
snapshot_minutes=${SNAPSHOT_MINUTES:-1}
bin=build/minitrans
test_src=data/multi30k/test_2016_flickr.de.gz test_ref=data/multi30k/test_2016_flickr.en.gz
mkdir -p "$out"
echo "== minitrans, $minutes minutes" >&2
"$bin" train --config configs/multi30k.ini --train.run_dir="$out/minitrans" --train.time_limit="$minutes" \
  --train.snapshot_minutes="$snapshot_minutes" --train.show_translations=0 2> "$out/minitrans.log"
grep -E "^trained|^time limit" "$out/minitrans.log" >&2
echo "== PyTorch, $minutes minutes" >&2
/usr/bin/python3 bench/torch_multi30k.py "$out/minitrans" "$out/torch" --minutes "$minutes" \
  2> "$out/torch.log" | tee "$out/torch.json" >&2
score() {  # RUN_DIR BEAM: eval's summary line on the test set
  "$bin" eval --checkpoint "$1" --src "$test_src" --ref "$test_ref" --beam "$2" | sed -n 1p
}
bleu_in() { sed -E 's/^.* BLEU ([0-9.]+) .*$/\1/' <<< "$1"; }
at_least() { /usr/bin/python3 -c "import sys; sys.exit(0 if $1 >= $2 else 1)"; }
declare -A bleu
for system in minitrans torch; do
  for beam in 1 4; do
    line=$(score "$out/$system" "$beam")
    printf '%-9s beam %d  %s\n' "$system" "$beam" "$line"
    bleu[$system.$beam]=$(bleu_in "$line")
  done
done
echo "== time to quality: minitrans' snapshots against PyTorch's $minutes-minute test BLEU" \
  "(${bleu[torch.1]} greedy, ${bleu[torch.4]} beam 4)"
printf '%8s %6s %12s %12s\n' minutes step "BLEU greedy" "BLEU beam 4"
reached_greedy="" reached_beam=""
while read -r step minute; do
  snapshot="$out/minitrans"  # the end: the final weights, as the run keeps them
  if [[ $minute != end ]]; then
    snapshot="$out/snapshots/$step"
    rm -rf "$snapshot"
    "$bin" average "$out/minitrans/snapshot-$step.safetensors" --out "$snapshot" 2> /dev/null
  fi
  greedy=$(bleu_in "$(score "$snapshot" 1)") beam=$(bleu_in "$(score "$snapshot" 4)")
  printf '%8s %6s %12s %12s\n' "$minute" "$step" "$greedy" "$beam"
  if [[ -z $reached_greedy ]] && at_least "$greedy" "${bleu[torch.1]}"; then reached_greedy=$minute; fi
  if [[ -z $reached_beam ]] && at_least "$beam" "${bleu[torch.4]}"; then reached_beam=$minute; fi
done < <(/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "snapshot_minutes" in r: print(r["step"], "%.2f" % r["snapshot_minutes"])
    if "finished" in r: print(r["step"], "end")' "$out/minitrans/metrics.jsonl")
echo "minitrans reaches PyTorch's $minutes-minute test BLEU at minute ${reached_greedy:-(not within the run)} greedy," \
  "${reached_beam:-(not within the run)} beam 4 (the first snapshot at or above it)"
