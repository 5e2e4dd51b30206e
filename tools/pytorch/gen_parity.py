#!/usr/bin/python3
"""Writes the Transformer parity fixtures: tests/reference/parity_<config>.safetensors.

For each configuration of reference_model.CONFIGS: random weights (seeded), a ragged padded
batch, the logits and loss (dropout off), every parameter's gradient, and the losses of five
Adam steps with a Noam schedule and gradient clipping. minitrans' tests load the weights from
the same file (tests/nn/test_parity.cpp). Run: /usr/bin/python3 tools/pytorch/gen_parity.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from reference_model import BOS, CONFIGS, EOS, PAD, Seq2SeqTransformer, loss_fn, noam, save_safetensors

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference")
ADAM = dict(lr=0.01, betas=(0.9, 0.98), eps=1e-9)
WARMUP, CLIP, STEPS = 3, 1.0, 5


def batch(cfg, gen):
    """Three sentence pairs of different lengths, padded: src [3, 7], tgt_in/tgt_out [3, 6]."""
    src_lens, tgt_lens = [7, 4, 5], [5, 2, 4]
    src = torch.full((3, 7), PAD, dtype=torch.long)
    tgt_in = torch.full((3, 6), PAD, dtype=torch.long)
    tgt_out = torch.full((3, 6), PAD, dtype=torch.long)
    for i, (s, t) in enumerate(zip(src_lens, tgt_lens)):
        src[i, :s] = torch.randint(3, cfg["src_vocab"], (s,), generator=gen)
        words = torch.randint(3, cfg["tgt_vocab"], (t,), generator=gen)
        tgt_in[i, 0] = BOS
        tgt_in[i, 1:t + 1] = words
        tgt_out[i, :t] = words
        tgt_out[i, t] = EOS
    return src, tgt_in, tgt_out


def main():
    for name, cfg in CONFIGS.items():
        torch.manual_seed(0)
        model = Seq2SeqTransformer(**cfg)
        model.train()  # dropout is 0; training mode keeps PyTorch on its reference (slow) path
        src, tgt_in, tgt_out = batch(cfg, torch.Generator().manual_seed(1))
        tensors = {"weights." + k: v.clone() for k, v in model.state_dict().items()}  # before the Adam steps
        tensors.update({"src": src.float(), "tgt_in": tgt_in.float(), "tgt_out": tgt_out.float()})

        logits = model(src, tgt_in)
        loss = loss_fn(logits, tgt_out)
        loss.backward()
        tensors["logits"], tensors["loss"] = logits, loss
        for pname, p in model.named_parameters():
            tensors["grad." + pname] = p.grad.clone()  # zero_grad() below works in place

        params = list(model.parameters())
        opt = torch.optim.Adam(params, **ADAM)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: noam(e + 1, WARMUP))
        losses = []
        for _ in range(STEPS):
            opt.zero_grad()
            step_loss = loss_fn(model(src, tgt_in), tgt_out)
            losses.append(float(step_loss))
            step_loss.backward()
            torch.nn.utils.clip_grad_norm_(params, CLIP)
            opt.step()
            sched.step()
        tensors["adam_losses"] = torch.tensor(losses)

        meta = dict(cfg, layers=cfg["layers"], torch=torch.__version__, adam_lr=ADAM["lr"], beta1=ADAM["betas"][0],
                    beta2=ADAM["betas"][1], eps=ADAM["eps"], warmup=WARMUP, clip=CLIP, steps=STEPS,
                    state_dict_order=",".join(model.state_dict().keys()),
                    parameter_order=",".join(n for n, _ in model.named_parameters()))
        path = os.path.join(OUT, f"parity_{name}.safetensors")
        save_safetensors(path, tensors, meta)
        print(f"wrote {os.path.normpath(path)}: loss {float(loss):.6f}, adam losses {[round(l, 6) for l in losses]}")


if __name__ == "__main__":
    main()
