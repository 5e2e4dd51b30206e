#!/usr/bin/env bash
# The pictures, rendered in a real browser: a tiny run trains (and writes its curves and its
# report.html, which must need nothing from the network), then
# `minitrans attention` draws one sentence per head and averaged, and `minitrans plot` redraws
# the curves. tools/browser_check.py loads each in headless Chromium: it must parse, show the
# expected labels with a real box on the page, and its screenshot must not be blank.
#   pictures.sh MINITRANS_BINARY SOURCE_DIR      (exit 77, skipped, without chromium or python3)
set -uo pipefail
bin=$(realpath "$1") root=$(realpath "$2")
command -v python3 > /dev/null || { echo "skipped: no python3"; exit 77; }
command -v chromium > /dev/null || { echo "skipped: no chromium (scripts/setup.sh --tests)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { python3 "$root/tools/browser_check.py" "$@" || exit 1; }

"$bin" train --model.d_model=32 --model.heads=2 --model.encoder_layers=1 --model.decoder_layers=1 --model.ff_dim=64 --model.max_positions=40 \
  --data.train_src="$root/data/toy/valid.src" --data.train_tgt="$root/data/toy/valid.tgt" \
  --data.valid_src="$root/data/toy/valid.src" --data.valid_tgt="$root/data/toy/valid.tgt" --data.max_len=32 \
  --data.max_tokens=512 --optim.warmup=10 --train.valid_every=10 --train.log_every=5 --train.max_steps=30 \
  --train.valid_bleu_sentences=20 --train.run_dir="$T/run" > "$T/log" 2>&1 || { cat "$T/log"; exit 1; }
[[ -s $T/run/curves.svg ]] || { echo "training wrote no curves.svg"; exit 1; }
check "$T/run/curves.svg" --expect "training loss" "validation loss" "validation BLEU" "learning rate" "step"

"$bin" attention --checkpoint "$T/run" --src "the dog sees a cat" --out "$T/heads.svg" > "$T/out" 2> "$T/log" ||
  { cat "$T/log"; exit 1; }
"$bin" attention --checkpoint "$T/run" --src "the dog sees a cat" --average --out "$T/mean.svg" > /dev/null 2>&1 ||
  exit 1
"$bin" attention --checkpoint "$T/run" --src "the dog sees a cat" --tgt "lo kano" --out "$T/forced.svg" > "$T/forced" 2>&1 ||
  exit 1
grep -q "^lo kano$" "$T/forced" || { echo "--tgt was not used: $(cat "$T/forced")"; exit 1; }
labels=(the dog sees a cat "<bos>" "<eos>" "encoder self-attention" "decoder self-attention" "cross-attention" weight)
check "$T/heads.svg" --expect "${labels[@]}" "transformer.decoder.layers.0.multihead_attn head 1"
check "$T/mean.svg" --expect "${labels[@]}" "(mean of 2 heads)"
check "$T/forced.svg" --expect "${labels[@]}" kano

[[ -s $T/run/report.html ]] || { echo "training wrote no report.html"; exit 1; }
grep -qiE '<script|https?://[^"]*\.(js|css)|<link ' "$T/run/report.html" && { echo "report.html is not self-contained"; exit 1; }
check "$T/run/report.html" --expect "Run report" "Summary" "Training curves" "gradient norm (log scale)" \
  "saturated attention rows" "Warnings:" "Sample translations" "At step 30:" "cross-attention" "Configuration" \
  --size 1200,2400
"$bin" report "$T/run" 2> /dev/null || exit 1

"$bin" plot "$T/run" --out "$T/replot.svg" 2> /dev/null || exit 1
cmp -s "$T/run/curves.svg" "$T/replot.svg" || { echo "plot differs from the curves training drew"; exit 1; }
echo "all pictures render with their labels"
