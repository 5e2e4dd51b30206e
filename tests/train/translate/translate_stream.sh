#!/usr/bin/env bash
# translate as a stream, with real processes: 100,000 lines through a pipe keep the peak RSS
# within 10% of one maxi-batch's (1,000 lines at --maxi-batch 1000, 4,000 at the default;
# bench/peak_memory.py); the first translations come out while the
# input is still open; one output line per input line; a maxi-batch holding the whole input gives
# the same translations as the default; a bad line stops with its number after the lines before
# its maxi-batch were written whole. Under AddressSanitizer (third argument "sanitized") the
# memory comparison is skipped: its quarantine keeps freed blocks, so RSS grows with all that was
# ever freed.    translate_stream.sh MINITRANS SOURCE_DIR [plain|sanitized]
set -uo pipefail
bin=$(realpath "$1") root=$(realpath "$2") build=${3:-plain}
[[ -x /usr/bin/python3 ]] || { echo "skipped: no /usr/bin/python3"; exit 77; }
T=$(mktemp -d)
trap 'kill $(jobs -p) 2> /dev/null; rm -rf "$T"' EXIT
fail() { echo "FAILED: $*"; exit 1; }
cd "$root"
"$bin" train --config configs/toy.ini --train.run_dir="$T/run" --train.max_steps=200 --optim.warmup=50 \
  --train.valid_every=200 --train.show_translations=0 --data.test_src= --data.test_tgt= > "$T/train.log" 2>&1 ||
  { cat "$T/train.log"; fail "could not train the test model"; }
for _ in $(seq 100); do cat data/toy/test.src; done > "$T/100k.src"
head -n 1000 "$T/100k.src" > "$T/1k.src"
head -n 4000 "$T/100k.src" > "$T/4k.src"

peak() {  # peak RSS in MiB of translating file $1 through a pipe, with options $2...
  local input=$1
  shift
  cat "$input" | /usr/bin/python3 bench/peak_memory.py "$bin" translate --checkpoint "$T/run" "$@" > "$T/out" 2> "$T/err" ||
    { cat "$T/err"; fail "translate failed"; }
  [[ $(wc -l < "$T/out") -eq $(wc -l < "$input") ]] || fail "not one output line per input line"
  awk '{print $4}' < <(tail -n 1 "$T/err")
}
if [[ $build == sanitized ]]; then
  echo "  (the memory comparison is skipped under AddressSanitizer)"
else
  # Memory follows the maxi-batch, not the input: 100,000 lines against one maxi-batch's worth,
  # at --maxi-batch 1000 and at the default (4,000).
  small=$(peak "$T/1k.src" --maxi-batch 1000)
  large=$(peak "$T/100k.src" --maxi-batch 1000)
  echo "peak RSS at --maxi-batch 1000: 1,000 lines $small MiB, 100,000 lines $large MiB"
  (( large * 10 <= small * 11 )) || fail "100,000 lines took more than 1.1 x the memory of 1,000"
  small=$(peak "$T/4k.src")
  large=$(peak "$T/100k.src")
  echo "peak RSS at the default maxi-batch: 4,000 lines $small MiB, 100,000 lines $large MiB"
  (( large * 10 <= small * 11 )) || fail "100,000 lines took more than 1.1 x the memory of 4,000"
fi

# The first translations appear while the input is still open (2,000 lines written, then a pause).
mkfifo "$T/pipe"
"$bin" translate --checkpoint "$T/run" --maxi-batch 1000 < "$T/pipe" > "$T/early" 2> "$T/early.err" &
exec 3> "$T/pipe"
head -n 2000 "$T/100k.src" >&3
for _ in $(seq 1200); do  # up to 2 minutes (a sanitizer build is slow)
  [[ $(wc -l < "$T/early") -ge 1000 ]] && break
  sleep 0.1
done
lines=$(wc -l < "$T/early")
exec 3>&-
wait
(( lines >= 1000 )) || fail "no translation came out before the input ended ($lines lines)"
echo "  ok: $lines lines translated while the input was still open"

# A maxi-batch holding the whole input: the same translations.
head -n 5000 "$T/100k.src" > "$T/5k.src"
printf 'the dog sees a cat\n\n   \n' >> "$T/5k.src"
"$bin" translate --checkpoint "$T/run" --input "$T/5k.src" > "$T/default.out" || fail "translate failed"
"$bin" translate --checkpoint "$T/run" --input "$T/5k.src" --maxi-batch 100000 > "$T/whole.out" || fail "translate failed"
cmp -s "$T/default.out" "$T/whole.out" || fail "--maxi-batch 100000 translates differently from the default"
[[ $(tail -n 2 "$T/default.out" | tr -d '\n') == "" ]] || fail "empty and blank lines did not give empty lines"
echo "  ok: one maxi-batch of the whole input gives the default's translations"

# A line that is not UTF-8 at line 1500: the first maxi-batch (of 1,000 lines) is out, whole.
{ head -n 1499 "$T/100k.src"; printf 'bad \xff\n'; head -n 10 "$T/100k.src"; } > "$T/bad.src"
"$bin" translate --checkpoint "$T/run" --maxi-batch 1000 < "$T/bad.src" > "$T/bad.out" 2> "$T/bad.err" && fail "a bad line was accepted"
grep -q "minitrans: error: stdin:1500: invalid UTF-8" "$T/bad.err" || fail "the error does not name line 1500: $(cat "$T/bad.err")"
[[ $(wc -l < "$T/bad.out") -eq 1000 ]] || fail "not the first maxi-batch's 1,000 lines before the error"
echo "  ok: $(cat "$T/bad.err"), after 1,000 lines"
