#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (AddressSanitizer + UndefinedBehaviorSanitizer)
# and runs each one for SECONDS (default 60), starting from the seed corpora in fuzz/corpus/.
# A crash, a leak or a sanitizer report stops the target and fails this script.
#   tools/fuzz.sh [SECONDS]
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/.."
scripts/setup.sh --fuzz
CXX=clang++ cmake -S . -B build-fuzz -DMINITRANS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
targets=(safetensors config corpus gz_corpus vocab examples)
cmake --build build-fuzz -j2 --target "${targets[@]/#/fuzz_}"
for target in "${targets[@]}"; do
  work=build-fuzz/corpus-$target
  mkdir -p "$work"
  cp -n fuzz/corpus/$target/* "$work/" 2> /dev/null || true
  echo "== fuzz_$target, $seconds s"
  build-fuzz/fuzz_$target -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix=build-fuzz/ "$work" \
    2> "build-fuzz/fuzz_$target.log" || { tail -n 40 "build-fuzz/fuzz_$target.log"; exit 1; }
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^Done" "build-fuzz/fuzz_$target.log" || true
done
