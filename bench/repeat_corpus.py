#!/usr/bin/python3
"""Writes a large parallel corpus made of COPIES copies of a parallel corpus (plain or .gz), every
copy made distinct so that nothing can deduplicate it: copy k > 0 of a line reorders its words by
the k-th permutation in lexicographic order (of its last few words), so the copies of a line of
five or more words all differ (5! = 120 > 100), and a pair differs when either side does. Copy 0
is the corpus as it is. Prints how many pairs are duplicates of an earlier pair (short lines).
    bench/repeat_corpus.py COPIES SRC TGT OUT_SRC OUT_TGT"""
import gzip
import sys


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def permuted(words, k):
    """The k-th lexicographic permutation of the words' order (k = 0: unchanged)."""
    n, order, rank = len(words), list(range(len(words))), k
    digits, i = [], 1
    while rank > 0 and i <= n:  # k in the factorial number system, least significant first
        digits.append(rank % i)
        rank //= i
        i += 1
    tail = order[n - len(digits):]
    out = []
    for d in reversed(digits):
        out.append(tail.pop(d))
    return [words[j] for j in order[:n - len(digits)] + out]


def main():
    copies, src_path, tgt_path, out_src, out_tgt = int(sys.argv[1]), *sys.argv[2:6]
    src, tgt = read(src_path), read(tgt_path)
    assert len(src) == len(tgt), "the two sides differ in length"
    seen, duplicates = set(), 0
    with open(out_src, "w", encoding="utf-8") as fs, open(out_tgt, "w", encoding="utf-8") as ft:
        for k in range(copies):
            for s, t in zip(src, tgt):
                a, b = " ".join(permuted(s.split(), k)), " ".join(permuted(t.split(), k))
                key = hash((a, b))
                duplicates += key in seen
                seen.add(key)
                fs.write(a + "\n")
                ft.write(b + "\n")
    print(f"{copies * len(src)} pairs in {copies} copies, {duplicates} duplicates of an earlier pair")


if __name__ == "__main__":
    main()
