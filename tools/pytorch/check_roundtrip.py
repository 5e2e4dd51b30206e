#!/usr/bin/python3
"""The other half of the round trip: weights written by minitrans load into the PyTorch
reference model (strict load_state_dict) and give the loss minitrans computed.

Usage: check_roundtrip.py REFERENCE_DIR OUT_DIR   (after tests/roundtrip_writer wrote OUT_DIR)
Exit 0 on agreement, 1 on a mismatch, 77 (ctest's "skipped") when python3-torch is missing.
"""
import os
import sys

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed (scripts/setup.sh --bench installs it)")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(__file__))
from reference_model import CONFIGS, Seq2SeqTransformer, load_safetensors, loss_fn


def main():
    reference_dir, out_dir = sys.argv[1], sys.argv[2]
    ok = True
    for name, cfg in CONFIGS.items():
        model = Seq2SeqTransformer(**cfg)
        model.load_state_dict(load_safetensors(os.path.join(out_dir, f"roundtrip_{name}.safetensors")), strict=True)
        batch = load_safetensors(os.path.join(reference_dir, f"parity_{name}.safetensors"))
        with torch.no_grad():
            loss = float(loss_fn(model(batch["src"].long(), batch["tgt_in"].long()), batch["tgt_out"].long()))
        with open(os.path.join(out_dir, f"roundtrip_{name}.loss")) as f:
            expected = float(f.read())
        agree = abs(loss - expected) <= 1e-5 * max(1.0, abs(expected))
        ok = ok and agree
        print(f"{name}: PyTorch loss {loss:.6f}, minitrans loss {expected:.6f}: {'agree' if agree else 'DIFFER'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
