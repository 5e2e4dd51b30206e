#!/usr/bin/python3
"""Writes the synthetic batch of ../shared/bench/torch_reference.py to a file that
`minitrans bench --batch FILE` reads, so both sides train on the same ids: the reference's
generator (torch.Generator seeded with 1, the same calls in the same order), its shapes (source
[B, L]; target [B, L + 1] = BOS ... EOS, the decoder reading tgt[:, :-1] and predicting
tgt[:, 1:]) and its padding id 0. bench/compare.sh checks that the two sides then report the
same target tokens and parameters.
Usage: /usr/bin/python3 bench/make_batch.py --preset toy --out batch.txt
File: three blocks "src B L", "tgt_in B L", "tgt_out B L", each followed by B lines of L ids.
"""
import argparse

import torch

PRESETS = {"toy": (64, 10, 32), "small": (128, 14, 8000), "base": (64, 25, 8000)}  # batch, len, vocab
PAD = 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", choices=PRESETS, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    B, L, V = PRESETS[a.preset]
    g = torch.Generator().manual_seed(1)
    src = torch.randint(3, V, (B, L), generator=g)
    tgt = torch.randint(3, V, (B, L + 1), generator=g)
    for i in range(B):
        n = int(torch.randint(L // 2, L + 1, (1,), generator=g))
        src[i, n:] = PAD
        tgt[i, n + 1:] = PAD
    with open(a.out, "w") as f:
        for name, t in (("src", src), ("tgt_in", tgt[:, :-1]), ("tgt_out", tgt[:, 1:])):
            f.write(f"{name} {t.size(0)} {t.size(1)}\n")
            for row in t.tolist():
                f.write(" ".join(map(str, row)) + "\n")


if __name__ == "__main__":
    main()
