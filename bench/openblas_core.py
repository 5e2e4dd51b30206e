#!/usr/bin/python3
"""Prints the OpenBLAS kernel that PyTorch's OpenBLAS runs in this environment (its
openblas_get_corename), e.g. "SkylakeX" or "Haswell": OPENBLAS_CORETYPE overrides the choice.
Used by bench/compare.sh; run with /usr/bin/python3."""
import ctypes

import torch

torch.ones(2, 2) @ torch.ones(2, 2)  # makes sure the BLAS is loaded
paths = sorted({line.split()[-1] for line in open("/proc/self/maps") if "libopenblas" in line})
if not paths:
    print("no OpenBLAS loaded")
else:
    blas = ctypes.CDLL(paths[0])
    blas.openblas_get_corename.restype = ctypes.c_char_p
    blas.openblas_get_config.restype = ctypes.c_char_p
    print(f"{blas.openblas_get_corename().decode()} ({blas.openblas_get_config().decode()}; {paths[0]})")
