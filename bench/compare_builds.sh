#!/usr/bin/env bash
# Two builds of minitrans against the same PyTorch reference, alternated: ROUNDS times, one
# `bench/compare.sh BUILD` round of each build in turn (A, B, A, B, ...), then the median of each
# build's ratios per preset. For a change that must not slow anything: before and after, in one run.
#   ROUNDS=5 bench/compare_builds.sh build-before build [presets...]
set -euo pipefail
a=$1 b=$2
shift 2
rounds=${ROUNDS:-5}
here=$(dirname "$0")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq "$rounds"); do
  for build in "$a" "$b"; do
    ROUNDS=1 "$here/compare.sh" "$build" "$@" | tee -a "$out/$(basename "$build").txt" | grep -v '^peak\|^MFU' >&2
  done
done
/usr/bin/python3 - "$out/$(basename "$a").txt" "$out/$(basename "$b").txt" "$a" "$b" <<'PY'
import re, statistics, sys
def ratios(path):
    """(ours tok/s, ratio, MFU) per round of each preset, and the decode ratio, from compare.sh's output."""
    table = {}
    for line in open(path):
        f = line.split()
        if len(f) == 13 and f[0] in ("toy", "small", "base") and f[1] == "1":
            table.setdefault(f[0], []).append((float(f[2]), float(f[5].rstrip("x")), float(f[12].rstrip("%"))))
        d = re.match(r"decode .*, ([\d.]+)x;", line)
        if d:
            table.setdefault("decode", []).append((0.0, float(d.group(1)), 0.0))
    return table
ta, tb = ratios(sys.argv[1]), ratios(sys.argv[2])
print(f"{'preset':<7} {'A tok/s':>9} {'B tok/s':>9} {'A ratio':>8} {'B ratio':>8} {'B/A':>6}   (A = {sys.argv[3]}, B = {sys.argv[4]}, medians)")
for preset in ta:
    ma = [statistics.median(c) for c in zip(*ta[preset])]
    mb = [statistics.median(c) for c in zip(*tb[preset])]
    print(f"{preset:<7} {ma[0]:>9.1f} {mb[0]:>9.1f} {ma[1]:>7.2f}x {mb[1]:>7.2f}x {mb[1] / ma[1]:>6.3f}"
          f"   per round A: {', '.join(f'{r[1]:.2f}' for r in ta[preset])}; B: {', '.join(f'{r[1]:.2f}' for r in tb[preset])}")
PY
