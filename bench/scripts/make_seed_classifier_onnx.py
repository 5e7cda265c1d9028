#!/usr/bin/env python3
"""Writes seed_classifier.onnx: the example classifier (examples/classifier/model.safetensors) as an ONNX graph,
its weights as initializers, for the W7 benchmark's ONNX Runtime side. Standard library only; the protobuf
helpers are make_onnx_models.py's.

    inputs   X float[B, T, 32], lengths int64[B] (each 1..T; X past a length is not read)
    output   prob float[B, 1]

    Xt = Transpose(X)                                   [T, B, 32]   ONNX LSTM is time-major (ONNX Runtime's CPU
                                                                     LSTM rejects layout = 1)
    Y = LSTM(Xt, W, R, B, Cast<int32>(lengths))         [T, 1, B, 64] zero past each length
    H = Transpose(Squeeze(Y, 1))                        [B, T, 64]   lstm_out
    valid = Less(Range(0, T, 1), lengths[:, None])      [B, T]       key t of sequence b is valid
    Z = Where(valid[:, None, :], H H^T / 8, -inf)       [B, T, T]    scores, padded keys masked
    C = Softmax(Z, axis=-1) H                           [B, T, 64]   context
    pooled = (valid / lengths)[:, None, :] C            [B, 1, 64] -> [B, 64]   mean over the valid steps
    prob = Sigmoid(Gemm(pooled, fc.weight^T) + fc.bias) [B, 1]

W, R, B are PyTorch's weight_ih_l0 [4H, 32], weight_hh_l0 [4H, H] and bias_ih_l0 ++ bias_hh_l0 with the gate
blocks moved from PyTorch's order i, f, g, o to ONNX's i, o, f, c, each with a leading direction axis of 1.
Query rows at padded steps are computed (as PyTorch and attn4j do) but get weight 0 in the mean.

Run from anywhere, after examples/classifier/make_example.py: python3 bench/scripts/make_seed_classifier_onnx.py
"""
import json
import pathlib
import struct

import make_onnx_models as onnx

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
WEIGHTS = ROOT / "examples/classifier/model.safetensors"
OUT = onnx.OUT_DIR / "seed_classifier.onnx"
ONNX_FROM_TORCH_GATES = [0, 3, 1, 2]  # ONNX block g (i, o, f, c) holds PyTorch block [g] (of i, f, g, o)


def read_safetensors(path):
    """name -> (shape, flat list of floats) for the F32 tensors, and the config JSON from __metadata__."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    config = json.loads(header.pop("__metadata__")["attn4j.config"])
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, expected F32")
        tensors[name] = (info["shape"], list(struct.unpack("<%df" % ((end - begin) // 4), data[8 + n + begin:8 + n + end])))
    return tensors, config


def onnx_gate_order(values, hidden, cols):
    """Rows of a [4*hidden, cols] PyTorch gate matrix (or bias, cols = 1) in ONNX's block order."""
    block = hidden * cols
    return [v for g in ONNX_FROM_TORCH_GATES for v in values[g * block:(g + 1) * block]]


def graph(tensors, config):
    enc = config["encoder"]
    prefix, hidden, inp = enc["prefix"], enc["hidden_size"], config["input_size"]
    if (enc["cell"], enc["num_layers"], enc["bidirectional"], config["attention"]["score"], config["pooling"]) != (
            "lstm", 1, False, "scaled_dot", "mean") or len(config["head"]) != 1:
        raise ValueError("this script writes the seed classifier only (LSTM, scaled dot, mean, one dense layer)")
    head = config["head"][0]
    gates = 4 * hidden
    w = onnx_gate_order(tensors[prefix + "weight_ih_l0"][1], hidden, inp)
    r = onnx_gate_order(tensors[prefix + "weight_hh_l0"][1], hidden, hidden)
    b = onnx_gate_order(tensors[prefix + "bias_ih_l0"][1], hidden, 1) + onnx_gate_order(
        tensors[prefix + "bias_hh_l0"][1], hidden, 1)
    fc_w_shape, fc_w = tensors[head["weight"]]
    out = fc_w_shape[0]
    initializers = [
        onnx.float_initializer("W", w, [1, gates, inp]),
        onnx.float_initializer("R", r, [1, gates, hidden]),
        onnx.float_initializer("B", b, [1, 2 * gates]),
        onnx.float_initializer("fc_weight", fc_w, fc_w_shape),
        onnx.float_initializer("fc_bias", tensors[head["bias"]][1], [out]),
        onnx.float_initializer("scale", [hidden ** -0.5], []),
        onnx.float_initializer("neg_inf", [float("-inf")], []),
        onnx.int64_initializer("zero", [0], []),
        onnx.int64_initializer("one", [1], []),
        onnx.int64_initializer("axis1", [1]),
    ]
    node = onnx.node
    nodes = [
        node("Transpose", ["X"], ["Xt"], "time_major", onnx.ints_attribute("perm", [1, 0, 2])),
        node("Cast", ["lengths"], ["lengths32"], "lengths_int32", onnx.int_attribute("to", onnx.INT32)),
        node("LSTM", ["Xt", "W", "R", "B", "lengths32"], ["Y"], "lstm", onnx.int_attribute("hidden_size", hidden)),
        node("Squeeze", ["Y", "axis1"], ["Ys"], "one_direction"),
        node("Transpose", ["Ys"], ["H"], "batch_major", onnx.ints_attribute("perm", [1, 0, 2])),
        # valid[b, t] = t < lengths[b]
        node("Shape", ["X"], ["x_shape"], "x_shape"),
        node("Gather", ["x_shape", "one"], ["steps"], "steps", onnx.int_attribute("axis", 0)),
        node("Range", ["zero", "steps", "one"], ["t"], "t"),
        node("Unsqueeze", ["lengths", "axis1"], ["lengths_col"], "lengths_col"),
        node("Less", ["t", "lengths_col"], ["valid"], "valid"),
        node("Unsqueeze", ["valid", "axis1"], ["valid_keys"], "valid_keys"),
        # scores [B, T, T], masked, softmax over keys, context [B, T, H]
        node("Transpose", ["H"], ["Ht"], "keys_t", onnx.ints_attribute("perm", [0, 2, 1])),
        node("MatMul", ["H", "Ht"], ["S"], "scores"),
        node("Mul", ["S", "scale"], ["Z"], "scale"),
        node("Where", ["valid_keys", "Z", "neg_inf"], ["Zm"], "key_mask"),
        node("Softmax", ["Zm"], ["P"], "softmax", onnx.int_attribute("axis", -1)),
        node("MatMul", ["P", "H"], ["C"], "context"),
        # pooled [B, H] = sum over valid t of C[b, t] / lengths[b]
        node("Cast", ["valid"], ["valid_f"], "valid_float", onnx.int_attribute("to", onnx.FLOAT)),
        node("Cast", ["lengths_col"], ["lengths_f"], "lengths_float", onnx.int_attribute("to", onnx.FLOAT)),
        node("Div", ["valid_f", "lengths_f"], ["mean_w"], "mean_weights"),
        node("Unsqueeze", ["mean_w", "axis1"], ["mean_w3"], "mean_weights_row"),
        node("MatMul", ["mean_w3", "C"], ["pooled3"], "mean"),
        node("Squeeze", ["pooled3", "axis1"], ["pooled"], "pooled"),
        node("Gemm", ["pooled", "fc_weight", "fc_bias"], ["logits"], "fc", onnx.int_attribute("transB", 1)),
        node("Sigmoid", ["logits"], ["prob"], "prob"),
    ]
    inputs = [("X", ["B", "T", inp]), ("lengths", ["B"], onnx.INT64)]
    return onnx.graph_model("seed_classifier", nodes, inputs, ("prob", ["B", out]), initializers)


def main():
    tensors, config = read_safetensors(WEIGHTS)
    data = graph(tensors, config)
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data)} bytes) from {WEIGHTS}")


if __name__ == "__main__":
    main()
