#!/usr/bin/python3
"""The Multi30k recipe trained by PyTorch, for time-to-quality against minitrans.

Takes a minitrans run directory of configs/multi30k.ini (its config.ini, SentencePiece model
and vocabularies) and trains the same model on the same data, cut into pieces by the same
SentencePiece model, with the same recipe: the architecture of tools/pytorch/reference_model.py
(torch.nn.Transformer, whose weights are interchangeable with minitrans'), the embedding init,
tied output, one table for both sides where model.tie_embeddings says so, dropout, label
smoothing, Adam with minitrans' schedule and peak (noam, or linear or cosine ending with the
--minutes budget as minitrans' end with train.time_limit), gradient
clipping, the weight average (train.ema), and batches made by minitrans' policy (shuffle, sort
by length, cut under data.max_tokens padded tokens, shuffle the batches; Python's generator,
so the same kind of batches, not the same ones). It stops after the step that crosses
--minutes of wall-clock training (it validates nothing on the way, which only helps it), then
writes OUT_DIR as a minitrans run directory with the averaged weights as best_model.safetensors,
so that `minitrans eval --checkpoint OUT_DIR` decodes and scores it exactly as minitrans' own.
Prints one JSON line: steps, epochs, seconds, target tokens/s. Needs python3-torch and
python3-sentencepiece (scripts/setup.sh --bench). --autocast runs the forward pass and the loss
under torch.autocast("cpu", torch.bfloat16), PyTorch's own mixed precision: its products in
bf16 where the CPU has it, the weights and optimizer in fp32.
Usage: torch_multi30k.py RUN_DIR OUT_DIR [--minutes 15] [--threads 2] [--seed 1] [--autocast]
"""
import argparse
import configparser
import gzip
import json
import math
import os
import random
import shutil
import sys
import time

import sentencepiece as spm
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "pytorch"))
import reference_model as rm  # noqa: E402

PAD, UNK, BOS, EOS = 0, 1, 2, 3


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig") as f:
        return [line.rstrip("\n").rstrip("\r") for line in f]


def encode(processor, vocab, lines, lowercase):
    index = {t: i for i, t in enumerate(vocab)}
    return [[index.get(p, UNK) for p in processor.encode(line.lower() if lowercase else line, out_type=str)]
            for line in lines]


def epoch_batches(examples, max_tokens, rng):
    cost = [max(len(s), len(t) + 1) for s, t in examples]
    order = list(range(len(examples)))
    rng.shuffle(order)
    order.sort(key=lambda i: cost[i])  # stable
    batches, current, longest = [], [], 0
    for i in order:
        if current and max(longest, cost[i]) * (len(current) + 1) > max_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(i)
        longest = max(longest, cost[i])
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def lr_factor(schedule, step, warmup, spent):
    """minitrans' learning-rate multiplier for update `step` of a run bounded by time, with `spent`
    of the budget used (train/optim/schedule.h): noam, or a linear or cosine decay to 0 at the
    update the budget will allow at the pace so far (step / spent)."""
    if schedule == "noam":
        return rm.noam(step, warmup)
    assert schedule in ("linear", "cosine"), f"schedule {schedule} is not reproduced here"
    if step <= warmup:
        return step / warmup
    last = step / min(1.0, spent) if spent > 0 else math.inf
    p = min(1.0, (step - warmup) / (last + 1 - warmup))
    return 1.0 - p if schedule == "linear" else 0.5 * (1.0 + math.cos(math.pi * p))


def make_batch(examples, indices):
    s = max(1, max(len(examples[i][0]) for i in indices))
    t = max(len(examples[i][1]) + 1 for i in indices)
    src = torch.full((len(indices), s), PAD, dtype=torch.long)
    tgt_in = torch.full((len(indices), t), PAD, dtype=torch.long)
    tgt_out = torch.full((len(indices), t), PAD, dtype=torch.long)
    for row, i in enumerate(indices):
        x, y = examples[i]
        src[row, :len(x)] = torch.tensor(x)
        tgt_in[row, 0] = BOS
        tgt_in[row, 1:len(y) + 1] = torch.tensor(y, dtype=torch.long)
        tgt_out[row, :len(y)] = torch.tensor(y, dtype=torch.long)
        tgt_out[row, len(y)] = EOS
    return src, tgt_in, tgt_out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--autocast", action="store_true", help="bf16 autocast on the CPU")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)

    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(a.run_dir, "config.ini"))
    m, d, o, t = cfg["model"], cfg["data"], cfg["optim"], cfg["train"]
    assert d["tokenizer"] == "sentencepiece" and d["shared_vocab"] == "true", "expects a joint SentencePiece run"
    processor = spm.SentencePieceProcessor(model_file=os.path.join(a.run_dir, "spm.model"))
    src_vocab = open(os.path.join(a.run_dir, "src_vocab.txt"), encoding="utf-8").read().split("\n")[:-1]
    tgt_vocab = open(os.path.join(a.run_dir, "tgt_vocab.txt"), encoding="utf-8").read().split("\n")[:-1]
    lowercase = d["lowercase"] == "true"
    max_len = int(d["max_len"])
    srcs = encode(processor, src_vocab, read_lines(d["train_src"]), lowercase)
    tgts = encode(processor, tgt_vocab, read_lines(d["train_tgt"]), lowercase)
    examples = [(x, y) for x, y in zip(srcs, tgts) if len(x) <= max_len and len(y) + 1 <= max_len]

    rm.MAX_LEN = int(m["max_positions"])
    dim = int(m["d_model"])
    model = rm.Seq2SeqTransformer(len(src_vocab), len(tgt_vocab), dim, int(m["heads"]), int(m["encoder_layers"]),
                                  int(m["ff_dim"]), m["activation"], m["norm_first"] == "true",
                                  m["tie_output"] == "true", m["learned_positions"] == "true",
                                  dropout=float(m["dropout"]), decoder_layers=int(m["decoder_layers"]))
    tables = [model.src_embed.weight, model.tgt_embed.weight]
    if m["tie_embeddings"] == "true":  # one table for both sides (and the output), as nn/transformer.cpp
        model.src_embed.weight = model.tgt_embed.weight
        tables = tables[1:]
    if m["embedding_init"] == "scaled":
        with torch.no_grad():
            for table in tables:
                table.mul_(dim ** -0.5)
    params = list(model.parameters())
    peak, warmup = float(o["lr"]), int(o["warmup"])
    adam = torch.optim.Adam(params, lr=peak, betas=(float(o["beta1"]), float(o["beta2"])), eps=float(o["eps"]))
    clip, smoothing, decay = float(o["clip_norm"]), float(o["label_smoothing"]), float(t["ema"])
    average = [p.detach().clone() for p in params] if decay > 0 else None

    model.train()
    step, epoch, tokens = 0, 0, 0
    start = time.perf_counter()
    while time.perf_counter() - start < 60 * a.minutes:
        for indices in epoch_batches(examples, int(d["max_tokens"]), rng):
            src, tgt_in, tgt_out = make_batch(examples, indices)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.autocast):
                logits = model(src, tgt_in)
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1), ignore_index=PAD,
                                       label_smoothing=smoothing)
            adam.zero_grad(set_to_none=True)
            loss.backward()
            if clip > 0:
                torch.nn.utils.clip_grad_norm_(params, clip)
            step += 1
            spent = (time.perf_counter() - start) / (60 * a.minutes)
            for g in adam.param_groups:
                g["lr"] = peak * lr_factor(o["schedule"], step, warmup, spent)
            adam.step()
            if average is not None:  # train/optim/weight_average.h
                dk = min(decay, (1 + step) / (10 + step))
                with torch.no_grad():
                    for avg, p in zip(average, params):
                        avg.mul_(dk).add_(p.detach(), alpha=1 - dk)
            tokens += int((tgt_out != PAD).sum())
            if step % 100 == 0:
                print(f"step {step} epoch {epoch + 1} loss {loss.item():.4f} "
                      f"{tokens / (time.perf_counter() - start):.0f} tok/s", file=sys.stderr, flush=True)
            if time.perf_counter() - start >= 60 * a.minutes:
                break
        else:
            epoch += 1
            continue
        break
    seconds = time.perf_counter() - start

    if average is not None:
        with torch.no_grad():
            for avg, p in zip(average, params):
                p.copy_(avg)
    os.makedirs(a.out_dir, exist_ok=True)
    for name in ("config.ini", "spm.model", "src_vocab.txt", "tgt_vocab.txt"):
        shutil.copy(os.path.join(a.run_dir, name), os.path.join(a.out_dir, name))
    state = {k: v for k, v in model.state_dict().items()}
    rm.save_safetensors(os.path.join(a.out_dir, "best_model.safetensors"), state, {"step": str(step)})
    print(json.dumps({"impl": "torch " + torch.__version__ + (" autocast bf16" if a.autocast else ""),
                      "threads": a.threads, "steps": step,
                      "epochs": round(epoch + 0.0, 2), "seconds": round(seconds, 1),
                      "tgt_tokens_per_s": round(tokens / seconds, 1)}))


if __name__ == "__main__":
    main()
