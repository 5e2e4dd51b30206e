#!/usr/bin/env bash
# train.precision on a CPU without bf16 products, made so with oneDNN's own override
# (DNNL_MAX_CPU_ISA=AVX2, which any x86-64 CPU that runs minitrans honours): auto trains in fp32
# and config.ini keeps fp32; bf16 asked stops with the one line docs/errors.md gives, naming the
# option and what to give instead; translate --precision bf16 does the same.
#   precision_fallback.sh MINITRANS_BINARY SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1") root=$(realpath "$2")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export DNNL_MAX_CPU_ISA=AVX2
fail() { echo "precision_fallback: $*"; exit 1; }
cd "$root" || exit 1
small=(--config configs/toy.ini --train.max_steps=2 --optim.warmup=1 --train.valid_every=1000 --train.show_translations=0
       --data.test_src= --data.test_tgt=)

"$bin" train "${small[@]}" --train.run_dir="$T/auto" --train.precision=auto > "$T/auto.log" 2>&1 ||
  { cat "$T/auto.log"; fail "train.precision = auto failed"; }
grep -q "fp32 products (train.precision = auto: oneDNN [0-9.]* (avx2))" "$T/auto.log" ||
  { cat "$T/auto.log"; fail "the log does not say auto chose fp32 on avx2"; }
grep -qx "precision = fp32" "$T/auto/config.ini" || fail "config.ini does not keep precision = fp32"

check_error() {  # the command fails with one stderr line: "minitrans: error: $1 ... $2"
  local start=$1 end=$2
  shift 2
  if "$@" > "$T/out" 2> "$T/err"; then fail "succeeded: $*"; fi
  [[ $(wc -l < "$T/err") -eq 1 ]] || { cat "$T/err"; fail "not one line on stderr: $*"; }
  grep -qF "minitrans: error: $start" "$T/err" && grep -qF "$end" "$T/err" ||
    { cat "$T/err"; fail "expected 'minitrans: error: $start ... $end'"; }
}
check_error "train.precision = bf16: this CPU has no bf16 products (oneDNN" \
  "(avx2); they need AVX512_BF16 or AMX); give train.precision = fp32 or auto" \
  "$bin" train "${small[@]}" --train.run_dir="$T/bf16" --train.precision=bf16
check_error "command line: --precision bf16: this CPU has no bf16 products (oneDNN" "give --precision fp32 or auto" \
  "$bin" translate --checkpoint "$T/auto" --precision bf16 < /dev/null
echo "auto chose fp32 under DNNL_MAX_CPU_ISA=AVX2; bf16 asked there is one clear error"
