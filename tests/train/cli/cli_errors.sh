#!/usr/bin/env bash
# Runs every row of docs/errors.md: the command must exit non-zero, print nothing on stdout,
# and print exactly one line on stderr that starts "minitrans: error:" and contains the
# documented text.    cli_errors.sh MINITRANS_BINARY SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1") root=$(realpath "$2")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# The bad files.
printf '[model]\nd_model = 32\nd_modle = 64\n' > "$T/unknown.ini"
printf '[model]\nheads = four\n' > "$T/type.ini"
printf '[model]\nencoder_layers = 0\n' > "$T/zero.ini"
printf '[data]\nmax_tokens = -5\n' > "$T/negative.ini"
printf '[model]\nd_model = 30\nheads = 4\n' > "$T/divisible.ini"
printf '[optim]\noptimizer = adagrad\n' > "$T/optimizer.ini"
printf '[optim]\nschedule = step\n' > "$T/schedule.ini"
printf '[model]\nheads = 4\nheads = 8\n' > "$T/twice.ini"
printf 'the dog runs\na cat sleeps\nbirds fly high\n' > "$T/good.src"
printf 'lo kano kuri\nuna mira dormi\ntesis vola alte\n' > "$T/good.tgt"
cp "$T/good.src" "$T/three.src"
printf 'lo kano kuri\nuna mira dormi\n' > "$T/short.tgt"
: > "$T/empty.src"
: > "$T/empty.tgt"
printf 'the dog runs\nhello \xe9\nbirds fly high\n' > "$T/latin1.src"
printf 'the dog runs\n\nbirds fly high\n' > "$T/blank.src"
printf 'a\tb\nno tab here\n' > "$T/bad.tsv"
printf 'the dog runs\na cat sleeps\nbirds fly high\n' | gzip -c | head -c 24 > "$T/cut.src.gz"
gzip -c "$T/latin1.src" > "$T/latin1.src.gz"
printf 'this is not a SentencePiece model\n' > "$T/junk.model"
cat > "$T/data.ini" <<INI
[model]
d_model = 32
heads = 2
layers = 1
ff_dim = 64
max_positions = 40
[data]
train_src = $T/good.src
train_tgt = $T/good.tgt
max_len = 32
max_tokens = 256
[optim]
warmup = 1
[train]
run_dir = $T/run
max_steps = 2
INI

grep -v '^train_src\|^train_tgt' "$T/data.ini" | sed "s|^\[data\]|[data]\ntrain_tsv = $T/bad.tsv|" > "$T/tsv.ini"

# A small trained run, and broken copies of it.
RUN=$T/run
"$bin" train --config "$T/data.ini" > /dev/null 2>&1 || { echo "could not train the test run"; exit 1; }
copy() { cp -r "$RUN" "$T/$1"; echo "$T/$1"; }
# Runs with kept checkpoints: one like RUN, one of another width, one with other vocabularies.
keep() { "$bin" train --config "$T/data.ini" --train.run_dir="$T/$1" --train.keep_last=1 "${@:2}" > /dev/null 2>&1 ||
  { echo "could not train $1"; exit 1; }; }
keep kept
keep kept16 --model.d_model=16
keep swapped --data.train_src="$T/good.tgt" --data.train_tgt="$T/good.src"
RUN_TRUNCATED=$(copy truncated)
truncate -s -100 "$RUN_TRUNCATED/model.safetensors"
RUN_HEADER=$(copy header)
printf '\377\377\377\377\377\377\000\000' | dd of="$RUN_HEADER/model.safetensors" conv=notrunc status=none
RUN_JSON=$(copy json)
printf 'X' | dd of="$RUN_JSON/model.safetensors" bs=1 seek=8 conv=notrunc status=none
RUN_MISSING=$(copy missing)
header='{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
while (( ${#header} % 8 )); do header+=' '; done
{ printf "\\$(printf '%03o' $(( ${#header} )))\\000\\000\\000\\000\\000\\000\\000"; printf '%s' "$header"; printf '\000\000\000\000'; } \
  > "$RUN_MISSING/model.safetensors"
# Rewrites a safetensors file's JSON header ($h) with a Perl expression, which may use the data
# size ($size), then appends EXTRA zero bytes of data:  edit_header FILE EXPRESSION [EXTRA]
edit_header() {
  perl -e '
    my ($file, $expr, $extra) = @ARGV;
    open(my $in, "<:raw", $file) or die "$file: $!"; local $/; my $all = <$in>; close $in;
    my $n = unpack("Q<", substr($all, 0, 8));
    my ($h, $data) = (substr($all, 8, $n), substr($all, 8 + $n));
    my $size = length $data;
    eval $expr; die $@ if $@;
    $h .= " " while length($h) % 8;
    open(my $out, ">:raw", $file) or die "$file: $!";
    print $out pack("Q<", length $h), $h, $data, "\0" x ($extra // 0); close $out;
  ' "$@"
}
RUN_EXTRA=$(copy extra)
edit_header "$RUN_EXTRA/model.safetensors" \
  '$h =~ s/^\{/"{\"extra.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[$size," . ($size + 4) . "]},"/e' 4
RUN_DTYPE=$(copy dtype)
edit_header "$RUN_DTYPE/model.safetensors" '$h =~ s/"F32"/"F16"/'
RUN_OFFSETS=$(copy offsets)
edit_header "$RUN_OFFSETS/model.safetensors" '$h =~ s/,$size\]/"," . ($size + 4) . "]"/e'
RUN_SHAPE=$(copy shape)
sed -i 's/^ff_dim = 64/ff_dim = 128/' "$RUN_SHAPE/config.ini"
RUN_VOCAB=$(copy vocab)
echo "extra" >> "$RUN_VOCAB/tgt_vocab.txt"
RUN_VOCAB2=$(copy vocab2)
sed -i '3s/.*/<nobos>/' "$RUN_VOCAB2/tgt_vocab.txt"
RUN_STOPPED=$(copy stopped)  # a run that did not finish: no "finished" record
grep -v '"finished"' "$RUN/metrics.jsonl" > "$RUN_STOPPED/metrics.jsonl"
# A prepared set whose ids changed after it was written (its size, header and index intact).
"$bin" prepare --config "$T/data.ini" --data.cache_dir="$T/badcache" > /dev/null 2>&1 || { echo "could not prepare"; exit 1; }
printf 'X' | dd of="$(ls -d "$T"/badcache/prepared/*/)examples.bin" bs=1 seek=64 conv=notrunc status=none
# The error rows train into a directory of their own (the test run's is taken).
sed -i "s|^run_dir = .*|run_dir = $T/fresh|" "$T/data.ini" "$T/tsv.ini"

passed=0 failed=0
while IFS=$'\t' read -r what command expected; do
  out=$(cd "$T" && eval "\"$bin\" $command" 2> "$T/stderr")
  status=$?
  err=$(cat "$T/stderr")
  expected=$(eval "printf '%s' \"$expected\"")
  problem=""
  [[ $status -ne 0 ]] || problem="exit status 0"
  [[ -z $out ]] || problem="output on stdout: $out"
  [[ $(printf '%s\n' "$err" | wc -l) -eq 1 ]] || problem="not one line on stderr"
  [[ $err == "minitrans: error: "* ]] || problem="stderr does not start with 'minitrans: error:'"
  [[ $err == *"$expected"* ]] || problem="message lacks '$expected'"
  if [[ -n $problem ]]; then
    failed=$((failed + 1))
    echo "FAIL $what: $problem"
    echo "     minitrans $command"
    echo "     stderr: $err"
  else
    passed=$((passed + 1))
  fi
done < <(grep '^| ' "$root/docs/errors.md" | grep -v '^| input' | grep -v '^|---' |
         awk -F'|' '{ gsub(/^ +| +$/, "", $2); gsub(/^ *`|` *$/, "", $3); gsub(/^ *`|` *$/, "", $4); print $2 "\t" $3 "\t" $4 }')
# A train that failed before writing a file leaves no directory it made (train with no config
# would have made runs/run; the missing corpus, $T/new/run).
for made in "$T/runs" "$T/new"; do
  [[ ! -e $made ]] || { failed=$((failed + 1)); echo "FAIL a failed train left $made behind: $(find "$made")"; }
done
echo "cli errors: $passed documented cases behave as documented, $failed do not"
[[ $failed -eq 0 && $passed -gt 20 ]]
