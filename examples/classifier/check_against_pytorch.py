#!/usr/bin/env python3
"""Runs the main README's PyTorch snippet as written, then checks attn4j against PyTorch itself.

Needs torch, safetensors and numpy (not the rest of the project). In a scratch directory:

    python3 path/to/examples/classifier/check_against_pytorch.py

The snippet saves classifier.safetensors (an untrained LSTM(32 -> 64) and Linear(64, 1) with the
model config in the file's metadata). This script then runs six random sequences of different
lengths through PyTorch (each sequence's LSTM over its own valid steps; scaled-dot self-attention
with the padding keys masked; the mean over the valid steps; the linear layer; sigmoid), runs
`bin/attn4j run` on the same inputs, and exits 1 unless the two agree within 1e-5 of scale.
"""
import pathlib
import re
import subprocess
import sys

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent

snippet = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
torch.manual_seed(0)
names = {}
exec(snippet, names)  # writes classifier.safetensors here
lstm, fc = names["lstm"], names["fc"]

n, steps = 6, 100
x = torch.randn(n, steps, 32)
lengths = torch.tensor([100, 73, 50, 1, 99, 64])
with torch.no_grad():
    keep = torch.arange(steps)[None, :] < lengths[:, None]
    h = torch.cat([torch.nn.functional.pad(lstm(x[b:b + 1, :lengths[b]])[0], (0, 0, 0, steps - lengths[b]))
                   for b in range(n)])
    scores = (h @ h.transpose(1, 2) / 64 ** 0.5).masked_fill(~keep[:, None, :], float("-inf"))
    context = torch.softmax(scores, -1) @ h
    pooled = (context * keep[..., None]).sum(1) / lengths[:, None]
    expected = torch.sigmoid(fc(pooled)).numpy()

np.save("inputs.npy", x.numpy())
np.save("lengths.npy", lengths.numpy())
run = subprocess.run([str(ROOT / "bin/attn4j"), "run", "--model", "classifier.safetensors", "--input", "inputs.npy",
                      "--lengths", "lengths.npy", "--output", "attn4j.npy"], capture_output=True, text=True)
print(run.stdout, end="")
if run.returncode != 0:
    sys.exit("attn4j run failed: " + run.stderr)
error = float(np.abs(np.load("attn4j.npy") - expected).max())
print(f"max |attn4j - PyTorch| = {error:.3g}")
sys.exit(0 if error <= 1e-5 * max(1.0, float(np.abs(expected).max())) else 1)
