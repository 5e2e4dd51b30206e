#!/usr/bin/env bash
# minitrans vs the PyTorch reference (../shared/bench/torch_reference.py), one after the other
# in one run, for each preset: target tokens/s, peak RSS and their ratios, plus matmul FLOP/s
# against oneDNN's own peak (its best of 512^3, 1024^3, 2048^3) measured in the same run.
#   bench/compare.sh [build-dir] [presets...]      e.g. bench/compare.sh build toy small base
# Needs python3-torch and OpenBLAS (tools/setup.sh --bench); run from the repository root.
set -euo pipefail
build=${1:-build}
shift || true
presets=("${@:-toy small base}")
[[ $# -eq 0 ]] && presets=(toy small base)
reference=$(dirname "$0")/../../shared/bench/torch_reference.py
[[ -f $reference ]] || reference=../shared/bench/torch_reference.py
[[ -x $build/minitrans && -x $build/bench-kernels ]] || { echo "compare.sh: build $build first" >&2; exit 1; }

peak=$("$build/bench-kernels" --peak)
printf '%-6s %14s %14s %7s %10s %10s %7s %9s %6s\n' preset "ours tok/s" "torch tok/s" ratio "ours RSS" "torch RSS" "RSS" "GFLOP/s" MFU
for preset in "${presets[@]}"; do
  torch=$(/usr/bin/python3 "$reference" --preset "$preset" --threads 2 2>/dev/null | tail -n 1)
  ours=$("$build/minitrans" bench --preset "$preset" --threads 2)
  /usr/bin/python3 - "$preset" "$ours" "$torch" "$peak" <<'PY'
import json, sys
preset, ours, torch, peak = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), float(sys.argv[4])
flops = ours["matmul_flops_per_step"] / (ours["step_ms"] / 1e3) / 1e9
print(f"{preset:<6} {ours['tgt_tokens_per_s']:>14.1f} {torch['tgt_tokens_per_s']:>14.1f} "
      f"{ours['tgt_tokens_per_s'] / torch['tgt_tokens_per_s']:>6.2f}x {ours['peak_rss_mb']:>8.1f}MB "
      f"{torch['peak_rss_mb']:>8.1f}MB {ours['peak_rss_mb'] / torch['peak_rss_mb']:>6.2f}x {flops:>9.1f} "
      f"{100 * flops / peak:>5.1f}%")
PY
done
echo "oneDNN peak (best of 512^3, 1024^3, 2048^3, its own OpenMP threads): $peak GFLOP/s; MFU = matmul FLOP/s over the whole step / peak"

# Decoding: the 1000 toy test sentences, greedy, with our key/value cache vs PyTorch without one,
# on the same weights (a toy run is trained first if runs/toy does not exist).
[[ -f runs/toy/model.safetensors ]] || "$build/minitrans" train --config configs/toy.ini > /dev/null 2>&1
ours=$("$build/minitrans" bench --decode runs/toy --src data/toy/test.src --out /tmp/minitrans_decode_ours.txt --threads 2)
torch=$(/usr/bin/python3 "$(dirname "$0")/torch_decode.py" runs/toy data/toy/test.src --out /tmp/minitrans_decode_torch.txt --threads 2 2>/dev/null | tail -n 1)
same=$(cmp -s /tmp/minitrans_decode_ours.txt /tmp/minitrans_decode_torch.txt && echo "identical" || echo "DIFFERENT")
/usr/bin/python3 - "$ours" "$torch" "$same" <<'PY'
import json, sys
ours, torch, same = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
print(f"decode 1000 toy sentences: ours {ours['seconds']:.3f} s, torch (no cache) {torch['seconds']:.3f} s, "
      f"{torch['seconds'] / ours['seconds']:.1f}x; translations {same}")
PY
