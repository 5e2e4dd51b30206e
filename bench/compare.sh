#!/usr/bin/env bash
# minitrans vs the PyTorch reference (../shared/bench/torch_reference.py), one after the other
# in one run, for each preset, on the same batch (bench/make_batch.py): target tokens/s (ours
# packed, ours padded, PyTorch), peak RSS and their ratios, plus matmul FLOP/s against oneDNN's
# own peak (its best of 512^3, 1024^3, 2048^3) measured right before each pair. Where the CPU has
# bf16 products (AVX512_BF16 or AMX), each pair is followed by ours with --precision bf16, and a
# second table gives it against PyTorch (fp32), against ours in fp32, and against oneDNN's bf16 peak.
#   bench/compare.sh [build-dir] [presets...]      e.g. bench/compare.sh build toy small base
#   ROUNDS=5 bench/compare.sh build                 rounds per preset (default 3)
# The machine is shared and noisy (one run's ratio moves by a quarter), so each preset runs
# ROUNDS pairs back to back (PyTorch, then ours) and the summary gives the median of each column:
# a ratio is only ever taken between the two halves of one pair.
# Needs python3-torch and OpenBLAS (scripts/setup.sh --bench); run from the repository root.
set -euo pipefail
build=${1:-build}
shift || true
presets=("$@")
[[ $# -eq 0 ]] && presets=(toy small base)
rounds=${ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: ROUNDS must be a positive integer, got '$rounds'" >&2; exit 1; }
reference=$(dirname "$0")/../../shared/bench/torch_reference.py
[[ -f $reference ]] || reference=../shared/bench/torch_reference.py
[[ -x $build/minitrans && -x $build/bench-kernels ]] ||
  { echo "compare.sh: build $build first, with its benchmarks: cmake -S . -B $build -DMINITRANS_BUILD_TESTS=ON && cmake --build $build -j2" >&2; exit 1; }

results=$(mktemp)
trap 'rm -f "$results"' EXIT

# Some machines set OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) so that older OpenBLAS builds do not
# misbehave; on a current one it can pick a slower kernel (1.1-1.6x slower on an AVX-512 machine)
# and flatter our ratios. PyTorch's commands run without both when its loss is the same without
# them (the last_loss of 3 toy steps, to the 4 digits it prints); else the override stays, and the
# output says so.
# Tests and CI never change them.
torch_env=()
if [[ -n ${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-} ]]; then
  loss() { "$@" /usr/bin/python3 "$reference" --preset toy --threads 2 --steps 3 2> /dev/null | tail -n 1 |
           /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["last_loss"])'; }
  with=$(loss env) without=$(loss env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
  if [[ $with == "$without" ]]; then
    torch_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
    echo "PyTorch runs without this machine's OPENBLAS_CORETYPE='${OPENBLAS_CORETYPE:-}' OPENBLAS_L2_SIZE='${OPENBLAS_L2_SIZE:-}' (its loss is the same without them: $with)"
  else
    echo "PyTorch keeps this machine's OPENBLAS_CORETYPE='${OPENBLAS_CORETYPE:-}' OPENBLAS_L2_SIZE='${OPENBLAS_L2_SIZE:-}': needed for correctness here (loss $with with them, $without without)"
  fi
fi
echo "PyTorch's OpenBLAS kernel: $("${torch_env[@]}" /usr/bin/python3 "$(dirname "$0")/openblas_core.py" 2> /dev/null)"
bf16=yes
"$build/bench-kernels" --peak bf16 > /dev/null 2>&1 || { bf16=no; echo "no bf16 column: this CPU has no bf16 products"; }
for preset in "${presets[@]}"; do
  # One batch for both sides: the reference's own ids (bench/make_batch.py replays its generator).
  batch=$(mktemp)
  /usr/bin/python3 "$(dirname "$0")/make_batch.py" --preset "$preset" --out "$batch"
  for round in $(seq "$rounds"); do
    peak=$("$build/bench-kernels" --peak)
    torch=$("${torch_env[@]}" /usr/bin/python3 "$reference" --preset "$preset" --threads 2 2>/dev/null | tail -n 1)
    ours=$("$build/minitrans" bench --preset "$preset" --threads 2 --batch "$batch")
    padded=$("$build/minitrans" bench --preset "$preset" --threads 2 --batch "$batch" --padded)
    bf16_run=null
    if [[ $bf16 == yes ]]; then
      bf16_peak=$("$build/bench-kernels" --peak bf16)
      bf16_run=$("$build/minitrans" bench --preset "$preset" --threads 2 --batch "$batch" --precision bf16)
      bf16_run="{\"run\": $bf16_run, \"peak\": $bf16_peak}"
    fi
    echo "{\"preset\": \"$preset\", \"round\": $round, \"peak\": $peak, \"ours\": $ours, \"padded\": $padded, \"torch\": $torch, \"bf16\": $bf16_run}" >> "$results"
  done
  rm -f "$batch"
done
/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
for r in rows:  # the two sides must have trained the same model on the same batch
    o, t = r["ours"], r["torch"]
    if (o["params"], o["tgt_tokens"]) != (t["params"], t["tgt_tokens"]):
        sys.exit(f"compare.sh: {r['preset']}: ours has {o['params']} parameters and {o['tgt_tokens']} target tokens, "
                 f"PyTorch {t['params']} and {t['tgt_tokens']}: not the same model and batch")
print(f"{'preset':<6} {'round':>6} {'ours tok/s':>11} {'padded':>9} {'torch tok/s':>12} {'ratio':>7} {'engine':>7} "
      f"{'ours RSS':>10} {'torch RSS':>10} {'RSS':>6} {'GFLOP/s':>8} {'peak':>6} {'MFU':>6}")
def line(preset, label, ours, padded, torch, ratio, engine, rss_ours, rss_torch, rss, flops, peak, mfu):
    print(f"{preset:<6} {label:>6} {ours:>11.1f} {padded:>9.1f} {torch:>12.1f} {ratio:>6.2f}x {engine:>6.2f}x "
          f"{rss_ours:>8.1f}MB {rss_torch:>8.1f}MB {rss:>5.2f}x {flops:>8.1f} {peak:>6.1f} {mfu:>5.1f}%")
for preset in dict.fromkeys(r["preset"] for r in rows):
    columns = []
    for r in (r for r in rows if r["preset"] == preset):
        o, p, t = r["ours"], r["padded"], r["torch"]
        flops = o["matmul_flops_per_step"] / (o["step_ms"] / 1e3) / 1e9
        values = (o["tgt_tokens_per_s"], p["tgt_tokens_per_s"], t["tgt_tokens_per_s"],
                  o["tgt_tokens_per_s"] / t["tgt_tokens_per_s"], p["tgt_tokens_per_s"] / t["tgt_tokens_per_s"],
                  o["peak_rss_mb"], t["peak_rss_mb"], o["peak_rss_mb"] / t["peak_rss_mb"], flops, r["peak"],
                  100 * flops / r["peak"])
        columns.append(values)
        line(preset, str(r["round"]), *values)
    if len(columns) > 1:
        line(preset, "median", *(statistics.median(c) for c in zip(*columns)))
print("Both sides train on the reference's batch (same parameters and target tokens, checked). ratio: ours over PyTorch;")
print("engine: ours computing every position as PyTorch does (--padded) over PyTorch, i.e. engine against engine;")
print("ratio / engine is what skipping the padding buys. peak: oneDNN's best of 512^3, 1024^3, 2048^3 on its own")
print("OpenMP threads, measured before each pair; MFU = our matmul FLOP/s over the whole step / that peak.")
print("Each median is taken column by column.")
if all(r["bf16"] for r in rows):
    print(f"\n{'preset':<6} {'round':>6} {'bf16 tok/s':>11} {'/ torch':>8} {'/ fp32':>7} {'GFLOP/s':>8} {'bf16 peak':>10} {'MFU':>6}")
    def bf16_line(preset, label, c):
        print(f"{preset:<6} {label:>6} {c[0]:>11.1f} {c[1]:>7.2f}x {c[2]:>6.2f}x {c[3]:>8.1f} {c[4]:>10.1f} {c[5]:>5.1f}%")
    for preset in dict.fromkeys(r["preset"] for r in rows):
        rounds = [r for r in rows if r["preset"] == preset]
        columns = []
        for r in rounds:
            b, o, t = r["bf16"]["run"], r["ours"], r["torch"]
            flops = b["matmul_flops_per_step"] / (b["step_ms"] / 1e3) / 1e9
            columns.append((b["tgt_tokens_per_s"], b["tgt_tokens_per_s"] / t["tgt_tokens_per_s"],
                            b["tgt_tokens_per_s"] / o["tgt_tokens_per_s"], flops, r["bf16"]["peak"],
                            100 * flops / r["bf16"]["peak"]))
            bf16_line(preset, str(r["round"]), columns[-1])
        if len(columns) > 1:
            bf16_line(preset, "median", [statistics.median(c) for c in zip(*columns)])
    print("bf16: ours with --precision bf16 (Linear and output products on bf16 operands, fp32 sums; attention fp32),")
    print("over PyTorch in fp32 and over ours in fp32 of the same round; its peak: oneDNN's best bf16 product of")
    print("512^3, 1024^3, 2048^3 on bf16 operands; MFU counts every product of the step, attention's fp32 ones too.")
PY

# Decoding: the 1000 toy test sentences, greedy, with our key/value cache vs PyTorch without one,
# on the same weights (a toy run is trained first if runs/toy does not exist), batched the same
# way on both sides (length order, 100 sentences a batch, one warm-up batch, at most 40 tokens).
# Different translations are a failure: the two must compute the same thing.
[[ -f runs/toy/model.safetensors ]] || "$build/minitrans" train --config configs/toy.ini > /dev/null 2>&1
decode=(--batch-size 100 --max-len 40)
ours=$("$build/minitrans" bench --decode runs/toy --src data/toy/test.src --out /tmp/minitrans_decode_ours.txt \
       --threads 2 "${decode[@]}")
torch=$("${torch_env[@]}" /usr/bin/python3 "$(dirname "$0")/torch_decode.py" runs/toy data/toy/test.src \
        --out /tmp/minitrans_decode_torch.txt --threads 2 --batch 100 --max-len 40 2>/dev/null | tail -n 1)
same=$(cmp -s /tmp/minitrans_decode_ours.txt /tmp/minitrans_decode_torch.txt && echo "identical" || echo "DIFFERENT")
/usr/bin/python3 - "$ours" "$torch" "$same" <<'PY'
import json, sys
ours, torch, same = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
print(f"decode 1000 toy sentences (batches of 100 in length order, both warmed): ours {ours['seconds']:.3f} s, "
      f"torch (no cache) {torch['seconds']:.3f} s, {torch['seconds'] / ours['seconds']:.1f}x; translations {same}")
if same != "identical":
    sys.exit("compare.sh: the two decoders translated differently (see /tmp/minitrans_decode_*.txt)")
PY
