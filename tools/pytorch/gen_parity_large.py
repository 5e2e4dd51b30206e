#!/usr/bin/python3
"""Writes tests/reference/parity_large.safetensors: PyTorch's loss and gradients for a model of
real size, D=256, 8 heads, 3+3 layers, F=1024, vocabularies of 1000, on a ragged batch of 96
sentence pairs (about 2000 target tokens), so that the products split across cores, the padded
copies of weight gradients, oneDNN's attention for large heads and the packed training forward
are all checked against PyTorch, not only against C++ twins.

The weights are not stored (they would be 20 MB): both sides compute them from one formula,
exact in float32 on any machine (integer hashing, one correctly rounded division and product):
  value[i] = float32(h(name, i) mod 2001 - 1000) / 1000 * scale
with h a SplitMix64 of the FNV-1a hash of the parameter name plus i, and scale
sqrt(6 / (fan_in + fan_out)) for a matrix, 0.5 for an embedding table, and for a vector 0.1
(norm weights are 1 plus that). tests/nn/test_parity.cpp has the C++ half. The fixture holds
the batch, the loss, every parameter's gradient norm and 16 sampled entries per parameter.
Run: /usr/bin/python3 tools/pytorch/gen_parity_large.py
"""
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from reference_model import PAD, Seq2SeqTransformer, loss_fn, save_safetensors

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "parity_large.safetensors")
CONFIG = dict(src_vocab=1000, tgt_vocab=1000, d_model=256, heads=8, layers=3, ff_dim=1024, activation="relu",
              norm_first=False, tie_output=False, learned_positions=False)
MASK = (1 << 64) - 1
SAMPLES = 16


def fnv1a(text):
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


def splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def values(name, shape):
    """The formula of the docstring, vectorized: exactly what the C++ test computes."""
    n = int(np.prod(shape))
    base = fnv1a(name)
    u = np.array([(splitmix((base + i) & MASK) % 2001) - 1000 for i in range(n)], dtype=np.float32)
    u = u / np.float32(1000.0)
    if name.endswith("_embed.weight"):
        out = u * np.float32(0.5)
    elif len(shape) == 2:
        out = u * np.float32(math.sqrt(6.0 / (shape[0] + shape[1])))
    elif "norm" in name and name.endswith(".weight"):
        out = np.float32(1.0) + u * np.float32(0.1)
    else:
        out = u * np.float32(0.1)
    return torch.from_numpy(out.astype(np.float32).reshape(shape))


def sample_indices(name, n):
    base = fnv1a(name + "#samples")
    return [splitmix((base + k) & MASK) % n for k in range(SAMPLES)]


def main():
    model = Seq2SeqTransformer(**CONFIG)
    model.train()  # dropout is 0; training mode keeps PyTorch on its reference path
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(values(name, tuple(p.shape)))
    gen = torch.Generator().manual_seed(3)
    b, s_max, t_max = 96, 32, 33
    src = torch.full((b, s_max), PAD, dtype=torch.long)
    tgt_in = torch.full((b, t_max), PAD, dtype=torch.long)
    tgt_out = torch.full((b, t_max), PAD, dtype=torch.long)
    for i in range(b):
        s = int(torch.randint(6, s_max + 1, (1,), generator=gen))
        t = int(torch.randint(6, t_max, (1,), generator=gen))
        src[i, :s] = torch.randint(3, CONFIG["src_vocab"], (s,), generator=gen)
        words = torch.randint(3, CONFIG["tgt_vocab"], (t,), generator=gen)
        tgt_in[i, 0] = 1
        tgt_in[i, 1:t + 1] = words
        tgt_out[i, :t] = words
        tgt_out[i, t] = 2
    loss = loss_fn(model(src, tgt_in), tgt_out)
    loss.backward()
    tensors = {"src": src.float(), "tgt_in": tgt_in.float(), "tgt_out": tgt_out.float(), "loss": loss.detach()}
    for name, p in model.named_parameters():
        g = p.grad.detach().double().flatten()
        tensors["grad_norm." + name] = torch.tensor([float(g.norm())])
        idx = sample_indices(name, g.numel())
        tensors["grad_index." + name] = torch.tensor(idx, dtype=torch.float64)
        tensors["grad_sample." + name] = g[idx].float()
    meta = dict(CONFIG, torch=torch.__version__, samples=SAMPLES, target_tokens=int((tgt_out != PAD).sum()),
                parameter_order=",".join(n for n, _ in model.named_parameters()))
    save_safetensors(OUT, tensors, meta)
    print(f"wrote {os.path.normpath(OUT)}: loss {float(loss):.6f}, {meta['target_tokens']} target tokens, "
          f"{os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
