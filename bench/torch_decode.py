#!/usr/bin/python3
"""Greedy decoding in PyTorch the usual way (no key/value cache: each step runs the decoder
over the whole prefix), for comparison with minitrans' cached decoder.

Loads a minitrans run directory (config.ini, vocabularies, best weights) into the reference
model of tools/pytorch/reference_model.py, translates a file in batches, prints the translations to
--out and one JSON line with the time. The batching is `minitrans bench --decode`'s: sentences
in length order (stable), --batch at a time, the first batch decoded once before the clock
starts, and at most --max-len tokens. Needs python3-torch.
Usage: torch_decode.py RUN_DIR SRC_FILE [--out FILE] [--batch 100] [--threads 2] [--max-len 40]
"""
import argparse
import configparser
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "pytorch"))
import reference_model as rm  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("src")
    ap.add_argument("--out", default=None)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-len", type=int, default=40)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(a.run_dir, "config.ini"))
    m = cfg["model"]
    assert m["tie_embeddings"] == "false", "the reference model has separate source and target tables"
    src_vocab = open(os.path.join(a.run_dir, "src_vocab.txt")).read().split("\n")[:-1]
    tgt_vocab = open(os.path.join(a.run_dir, "tgt_vocab.txt")).read().split("\n")[:-1]
    rm.MAX_LEN = int(m["max_positions"])
    model = rm.Seq2SeqTransformer(len(src_vocab), len(tgt_vocab), int(m["d_model"]), int(m["heads"]),
                                  int(m["encoder_layers"]), int(m["ff_dim"]), m["activation"],
                                  m["norm_first"] == "true", m["tie_output"] == "true",
                                  m["learned_positions"] == "true", decoder_layers=int(m["decoder_layers"]))
    weights = os.path.join(a.run_dir, "best_model.safetensors")
    if not os.path.exists(weights):
        weights = os.path.join(a.run_dir, "model.safetensors")
    model.load_state_dict(rm.load_safetensors(weights), strict=True)
    model.eval()
    pad, unk, bos, eos = 0, 1, 2, 3
    index = {t: i for i, t in enumerate(src_vocab)}
    sentences = [[index.get(w, unk) for w in line.split()] for line in open(a.src)]

    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))  # stable, as std::stable_sort
    batches = [[sentences[i] for i in order[b:b + a.batch]] for b in range(0, len(order), a.batch)]
    translate(model, batches[0], a.max_len, tgt_vocab)  # warm-up
    start = time.perf_counter()
    translated = [t for chunk in batches for t in translate(model, chunk, a.max_len, tgt_vocab)]
    seconds = time.perf_counter() - start
    outputs = [""] * len(sentences)
    for i, t in zip(order, translated):
        outputs[i] = t
    if a.out:
        with open(a.out, "w") as f:
            f.write("".join(o + "\n" for o in outputs))
    print(json.dumps({"impl": "torch " + torch.__version__ + " (no cache)", "sentences": len(sentences),
                      "seconds": round(seconds, 4), "sentences_per_s": round(len(sentences) / seconds, 1)}))


def translate(model, chunk, max_len, tgt_vocab):
    """Greedy translations of one batch of id lists, without a cache."""
    pad, bos, eos = 0, 2, 3
    outputs = []
    with torch.no_grad():
        s = max(len(x) for x in chunk)
        src = torch.tensor([x + [pad] * (s - len(x)) for x in chunk])
        memory = model.transformer.encoder(model.embed(model.src_embed, src), src_key_padding_mask=src == pad)
        ys = torch.full((len(chunk), 1), bos, dtype=torch.long)
        done = torch.zeros(len(chunk), dtype=torch.bool)
        for _ in range(max_len):
            T = ys.size(1)
            h = model.transformer.decoder(model.embed(model.tgt_embed, ys), memory,
                                          tgt_mask=model.transformer.generate_square_subsequent_mask(T),
                                          memory_key_padding_mask=src == pad)
            nxt = model.generator(h[:, -1]).argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, eos), nxt)
            ys = torch.cat([ys, nxt[:, None]], 1)
            done |= nxt == eos
            if bool(done.all()):
                break
        for row in ys[:, 1:].tolist():
            words = []
            for t in row:
                if t == eos:
                    break
                words.append(tgt_vocab[t])
            outputs.append(" ".join(words))
    return outputs


if __name__ == "__main__":
    main()
