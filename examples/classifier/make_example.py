#!/usr/bin/env python3
"""Writes the example classifier that `attn4j run` is shown with, with the Python standard library only.

    model.safetensors  the seed classifier's weights under PyTorch state-dict names, and its attn4j config
                       (format 1) as JSON text in the safetensors __metadata__ under "attn4j.config"
    inputs.npy         float32 (8, 20, 32): eight sequences of 20 steps x 32 features, zero past each length
    lengths.npy        int64 (8,): the valid steps of each sequence, 1..20
    expected.npy       float32 (8, 1): the model's output prob, computed here in float64 from the float32
                       weights and inputs and rounded once, so tests can check attn4j against it

The model (PyTorch's view of it):

    lstm = nn.LSTM(32, 64, batch_first=True)      lstm.weight_ih_l0 (256, 32), lstm.weight_hh_l0 (256, 64),
                                                  lstm.bias_ih_l0 (256,), lstm.bias_hh_l0 (256,); gates i, f, g, o
    fc = nn.Linear(64, 1)                         fc.weight (1, 64), fc.bias (1,)
    h = lstm(x) over the packed batch             (B, T, 64), 0 past each length
    attn_weights = softmax(h h^T / 8, keys past each length masked)        (B, T, T)
    context = attn_weights h                                               (B, T, 64)
    pooled = mean of context over the valid steps                          (B, 64)
    prob = sigmoid(pooled fc.weight^T + fc.bias)                           (B, 1)

This is an untrained demo. Its weights are PyTorch's default initialization, U(-1/sqrt(64), 1/sqrt(64)) for
the LSTM and U(-1/sqrt(64), 1/sqrt(64)) for fc, drawn from a fixed seed, except for one hand-set "detector": LSTM
unit 0 has its input and output gates held open and its forget gate closed by large biases, and a cell input
of 3 * feature 0, so its output follows tanh(feature 0) step by step; fc gives that unit a weight of 5. So the
model says whether feature 0 is mostly positive over a sequence's valid steps (prob near 1) or mostly negative
(near 0). The inputs shift feature 0 by a different amount per sequence so that the predictions spread out.

Run from anywhere: python3 examples/classifier/make_example.py
"""
import json
import math
import pathlib
import random
import struct

SEED = 20240531
INPUT = 32
HIDDEN = 64
STEPS = 20
LENGTHS = [20, 16, 11, 20, 7, 3, 14, 1]
FEATURE0_SHIFT = [0.6, -0.6, 0.3, -0.3, 0.1, 0.8, -0.1, -0.9]
OUT_DIR = pathlib.Path(__file__).resolve().parent

# The config of model-config.md (format 1): the seed classifier.
CONFIG = {
    "format": "attn4j.sequence-model",
    "version": 1,
    "input_size": INPUT,
    "encoder": {"cell": "lstm", "hidden_size": HIDDEN, "num_layers": 1, "bidirectional": False,
                "layout": "pytorch", "prefix": "lstm."},
    "attention": {"kind": "self", "score": "scaled_dot"},
    "pooling": "mean",
    "head": [{"weight": "fc.weight", "bias": "fc.bias", "activation": "sigmoid"}],
}


def f32(v):
    """v rounded to float32 (and back to a Python float), as it is stored."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


def uniform(rnd, n, bound):
    return [f32(rnd.uniform(-bound, bound)) for _ in range(n)]


def make_weights(rnd):
    """State dict: name -> (shape, flat row-major list of float32 values)."""
    g = 4 * HIDDEN
    k = 1 / math.sqrt(HIDDEN)
    w_ih, w_hh = uniform(rnd, g * INPUT, k), uniform(rnd, g * HIDDEN, k)
    b_ih, b_hh = uniform(rnd, g, k), uniform(rnd, g, k)
    fc_w, fc_b = uniform(rnd, HIDDEN, 1 / math.sqrt(HIDDEN)), uniform(rnd, 1, 1 / math.sqrt(HIDDEN))
    # The detector, unit 0: gate blocks are rows [0,H) i, [H,2H) f, [2H,3H) g, [3H,4H) o.
    b_ih[0] = 4.0                          # input gate open: sigmoid(4) = 0.98
    b_ih[HIDDEN] = -4.0                    # forget gate closed: the cell holds little of earlier steps
    w_ih[2 * HIDDEN * INPUT + 0] = 3.0     # cell input 3 * x[0]
    b_ih[3 * HIDDEN] = 4.0                 # output gate open
    fc_w[0] = 5.0
    return {
        "lstm.weight_ih_l0": ((g, INPUT), w_ih),
        "lstm.weight_hh_l0": ((g, HIDDEN), w_hh),
        "lstm.bias_ih_l0": ((g,), b_ih),
        "lstm.bias_hh_l0": ((g,), b_hh),
        "fc.weight": ((1, HIDDEN), fc_w),
        "fc.bias": ((1,), fc_b),
    }


def make_inputs(rnd):
    """x (B, T, INPUT) flat: features U(-1, 1), feature 0 shifted per sequence, zero past each length."""
    x = []
    for b, length in enumerate(LENGTHS):
        for t in range(STEPS):
            row = [0.0] * INPUT
            if t < length:
                row = [rnd.uniform(-1, 1) for _ in range(INPUT)]
                row[0] = 0.5 * row[0] + FEATURE0_SHIFT[b]
            x.extend(f32(v) for v in row)
    return x


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def forward(weights, x):
    """prob for each sequence, in float64."""
    w_ih, w_hh = weights["lstm.weight_ih_l0"][1], weights["lstm.weight_hh_l0"][1]
    b_ih, b_hh = weights["lstm.bias_ih_l0"][1], weights["lstm.bias_hh_l0"][1]
    fc_w, fc_b = weights["fc.weight"][1], weights["fc.bias"][1]
    g = 4 * HIDDEN
    probs = []
    for b, length in enumerate(LENGTHS):
        # h_t = LSTM step over the valid steps only: outs[t] (HIDDEN,)
        h, c, outs = [0.0] * HIDDEN, [0.0] * HIDDEN, []
        for t in range(length):
            xt = x[(b * STEPS + t) * INPUT:(b * STEPS + t + 1) * INPUT]
            pre = [b_ih[r] + b_hh[r]
                   + sum(w_ih[r * INPUT + j] * xt[j] for j in range(INPUT))
                   + sum(w_hh[r * HIDDEN + j] * h[j] for j in range(HIDDEN)) for r in range(g)]
            i = [sigmoid(v) for v in pre[0:HIDDEN]]
            f = [sigmoid(v) for v in pre[HIDDEN:2 * HIDDEN]]
            gg = [math.tanh(v) for v in pre[2 * HIDDEN:3 * HIDDEN]]
            o = [sigmoid(v) for v in pre[3 * HIDDEN:]]
            c = [f[u] * c[u] + i[u] * gg[u] for u in range(HIDDEN)]
            h = [o[u] * math.tanh(c[u]) for u in range(HIDDEN)]
            outs.append(h)
        # context_t = softmax_s(h_t . h_s / sqrt(H)) h_s over valid keys s; pooled = mean over valid t
        pooled = [0.0] * HIDDEN
        for t in range(length):
            scores = [sum(p * q for p, q in zip(outs[t], outs[s])) / math.sqrt(HIDDEN) for s in range(length)]
            top = max(scores)
            e = [math.exp(v - top) for v in scores]
            total = sum(e)
            for s in range(length):
                for u in range(HIDDEN):
                    pooled[u] += e[s] / total * outs[s][u] / length
        probs.append(sigmoid(sum(fc_w[u] * pooled[u] for u in range(HIDDEN)) + fc_b[0]))
    return probs


def safetensors(weights, metadata):
    """Header (JSON, space-padded so the data starts 64-byte aligned in the file) + tensors back to back."""
    header, data, offset = {"__metadata__": metadata}, bytearray(), 0
    for name, (shape, values) in weights.items():
        raw = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 64)
    return struct.pack("<Q", len(text)) + text + bytes(data)


def npy(descr, fmt, shape, values):
    """NPY version 1.0, C order; the header padded so the data starts 64-byte aligned, as numpy does."""
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %r, }" % (descr, tuple(shape))
    text += " " * (-(10 + len(text) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode() + struct.pack(
        "<%d%s" % (len(values), fmt), *values)


def main():
    rnd = random.Random(SEED)
    weights = make_weights(rnd)
    x = make_inputs(rnd)
    probs = forward(weights, x)
    files = {
        "model.safetensors": safetensors(weights, {"attn4j.config": json.dumps(CONFIG)}),
        "inputs.npy": npy("<f4", "f", (len(LENGTHS), STEPS, INPUT), x),
        "lengths.npy": npy("<i8", "q", (len(LENGTHS),), LENGTHS),
        "expected.npy": npy("<f4", "f", (len(LENGTHS), 1), probs),
    }
    for name, data in files.items():
        (OUT_DIR / name).write_bytes(data)
        print(f"wrote {OUT_DIR / name} ({len(data)} bytes)")
    print("prob:", " ".join("%.4f" % p for p in probs))


if __name__ == "__main__":
    main()
