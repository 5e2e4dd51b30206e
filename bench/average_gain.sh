#!/usr/bin/env bash
# What checkpoint averaging buys over the run's best weights: test BLEU and chrF of the run's
# best_model.safetensors (greedy and beam 4), then of the average of its last N kept checkpoints
# (train.keep_last) for each N given, beam 4. Prints one line per model.
#   bench/average_gain.sh RUN_DIR [N ...]     (defaults: N = 2 3 5; test2016 of Multi30k)
# Needs a Release build in build/ and the data (scripts/fetch_multi30k.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
run=$1
shift
counts=("${@:-2 3 5}")
bin=build/minitrans
test_src=${TEST_SRC:-data/multi30k/test_2016_flickr.de.gz} test_ref=${TEST_REF:-data/multi30k/test_2016_flickr.en.gz}
score() { "$bin" eval --checkpoint "$1" --src "$test_src" --ref "$test_ref" --beam "$2" | sed -n 1p; }
for beam in 1 4; do printf 'best weights      beam %d  %s\n' "$beam" "$(score "$run" "$beam")"; done
for n in ${counts[*]}; do
  avg=$(mktemp -d)
  "$bin" average "$run" --last "$n" --out "$avg" 2> /dev/null
  printf 'average of last %d beam 4  %s\n' "$n" "$(score "$avg" 4)"
  rm -rf "$avg"
done
