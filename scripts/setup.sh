#!/usr/bin/env bash
# Installs what minitrans needs on Debian 12, and nothing that is already there.
# Idempotent: when every package is present it only checks and exits.
#   scripts/setup.sh          build dependencies (what the main job needs)
#   scripts/setup.sh --tests  also what the whole test suite uses: Chromium (headless) and fonts
#                           to check the pictures render, Graphviz to check DOT output, python3
#   scripts/setup.sh --bench  also PyTorch, SentencePiece for Python and OpenBLAS, for bench/ and
#                           tools/pytorch/gen_reference.py
#   scripts/setup.sh --fuzz   also clang and its libFuzzer runtime, for tools/fuzz.sh
# Options combine: scripts/setup.sh --tests --bench
set -euo pipefail

# ocl-icd-opencl-dev: Debian builds oneDNN with its OpenCL GPU runtime, so dnnl-config.cmake
# asks for OpenCL's headers and library even though minitrans only runs on the CPU.
packages=(g++ cmake make pkg-config libdnnl-dev ocl-icd-opencl-dev libtbb-dev libboost-program-options-dev
          doctest-dev nlohmann-json3-dev libsentencepiece-dev zlib1g-dev openmpi-bin libopenmpi-dev)
for option in "$@"; do
  case "$option" in
    --tests) packages+=(chromium fonts-dejavu-core graphviz python3) ;;
    --bench) packages+=(python3-torch python3-sentencepiece libopenblas0-openmp) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    *) echo "setup: unknown option $option (use --tests, --bench, --fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

# Quietly: apt's and dpkg's lines go to a log, shown (its end) only when something fails.
log=$(mktemp /tmp/minitrans-setup.XXXXXX.log)
echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } > "$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "setup: apt-get failed; the end of its log is above, all of it in $log" >&2
  exit 1
fi
rm -f "$log"
echo "setup: installed"

