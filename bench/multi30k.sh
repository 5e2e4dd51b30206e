#!/usr/bin/env bash
# Time to quality on Multi30k de->en: configs/multi30k.ini trained by minitrans and by PyTorch
# (bench/torch_multi30k.py: the same SentencePiece model, architecture, recipe and batching
# policy), one after the other, MINUTES of training each; then both scored by `minitrans eval`
# on test_2016_flickr (the same decoder and sacreBLEU-style scorer for both): greedy and beam 4,
# detokenized cased BLEU and chrF. Prints one line per system and decoding.
#   bench/multi30k.sh [MINUTES] [OUT_DIR]        (defaults: 15, runs/bench-multi30k)
# Needs the data (scripts/fetch_multi30k.sh), a Release build in build/, scripts/setup.sh --bench.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-15}
out=${2:-runs/bench-multi30k}
bin=build/minitrans
test_src=data/multi30k/test_2016_flickr.de.gz test_ref=data/multi30k/test_2016_flickr.en.gz
mkdir -p "$out"
echo "== minitrans, $minutes minutes" >&2
"$bin" train --config configs/multi30k.ini --train.run_dir="$out/minitrans" --train.time_limit="$minutes" \
  --train.show_translations=0 2> "$out/minitrans.log"
grep -E "^trained|^time limit" "$out/minitrans.log" >&2
echo "== PyTorch, $minutes minutes" >&2
/usr/bin/python3 bench/torch_multi30k.py "$out/minitrans" "$out/torch" --minutes "$minutes" \
  2> "$out/torch.log" | tee "$out/torch.json" >&2
for system in minitrans torch; do
  for beam in 1 4; do
    printf '%-9s beam %d  ' "$system" "$beam"
    "$bin" eval --checkpoint "$out/$system" --src "$test_src" --ref "$test_ref" --beam "$beam" | sed -n 1p
  done
done
