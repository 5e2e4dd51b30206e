#!/usr/bin/python3
"""The PyTorch twin of minitrans' Transformer (nn/transformer.h), for parity tests.

Built on torch.nn.Transformer: src_embed, tgt_embed, [pos_embed], transformer.*, generator.
Its state_dict has exactly minitrans' names, shapes and layouts, so weights move both ways
through safetensors files (written and read here by hand: Debian has no python3-safetensors).
"""
import json
import math
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, BOS, EOS = 0, 1, 2

# The parity configurations; gen_parity.py writes one fixture per entry.
CONFIGS = {
    "postln": dict(src_vocab=13, tgt_vocab=11, d_model=16, heads=2, layers=2, ff_dim=32,
                   activation="relu", norm_first=False, tie_output=False, learned_positions=False),
    "preln": dict(src_vocab=13, tgt_vocab=11, d_model=16, heads=2, layers=2, ff_dim=32,
                  activation="gelu", norm_first=True, tie_output=True, learned_positions=True),
}
MAX_LEN = 64


class Seq2SeqTransformer(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, d_model, heads, layers, ff_dim, activation="relu",
                 norm_first=False, tie_output=False, learned_positions=False, dropout=0.0, decoder_layers=None):
        super().__init__()
        self.d_model = d_model
        self.src_embed = nn.Embedding(src_vocab, d_model, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(tgt_vocab, d_model, padding_idx=PAD)
        if learned_positions:
            self.pos_embed = nn.Embedding(MAX_LEN, d_model)
        else:
            pe = torch.zeros(MAX_LEN, d_model)
            pos = torch.arange(MAX_LEN).unsqueeze(1)
            div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = torch.sin(pos * div)
            pe[:, 1::2] = torch.cos(pos * div)
            self.register_buffer("pe", pe, persistent=False)
        self.embed_dropout = nn.Dropout(dropout)
        self.transformer = nn.Transformer(d_model, heads, layers, decoder_layers or layers, ff_dim, dropout=dropout,
                                          activation=activation, batch_first=True, norm_first=norm_first)
        self.generator = nn.Linear(d_model, tgt_vocab)
        if tie_output:
            self.generator.weight = self.tgt_embed.weight

    def positions(self, length):
        return self.pos_embed.weight[:length] if hasattr(self, "pos_embed") else self.pe[:length]

    def embed(self, table, ids):
        return self.embed_dropout(table(ids) * math.sqrt(self.d_model) + self.positions(ids.size(1)))

    def forward(self, src, tgt_in):
        T = tgt_in.size(1)
        h = self.transformer(self.embed(self.src_embed, src), self.embed(self.tgt_embed, tgt_in),
                             tgt_mask=self.transformer.generate_square_subsequent_mask(T),
                             src_key_padding_mask=src == PAD, tgt_key_padding_mask=tgt_in == PAD,
                             memory_key_padding_mask=src == PAD)
        return self.generator(h)


def loss_fn(logits, tgt_out):
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1), ignore_index=PAD)


def noam(k, warmup):
    """minitrans' noam multiplier for update k >= 1 (train/optim/schedule.h)."""
    return min(k / warmup, math.sqrt(warmup / k))


def save_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def load_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        begin, end = info["data_offsets"]
        values = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32)
        out[name] = values.reshape(info["shape"]).clone()
    return out
