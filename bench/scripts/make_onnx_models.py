#!/usr/bin/env python3
"""Writes the one-node ONNX models the benchmarks feed ONNX Runtime, with the standard library only.

    matmul.onnx   Y = MatMul(A, B)        A: float[M, K], B: float[K, N], Y: float[M, N]
    softmax.onnx  Y = Softmax(X, axis=-1) X, Y: float[R, C]

Dimensions are symbolic, so one file serves every benchmark shape. The protobuf wire format is
written by hand (field numbers from onnx/onnx.proto) because the `onnx` package is not needed for
two nodes. IR version 7 with opset 13 (the first opset whose Softmax normalizes one axis rather
than flattening from it); ONNX Runtime 1.23 loads both, and the benchmarks' setup checks their
results against attn4j's scalar reference.

Run from anywhere: python3 bench/scripts/make_onnx_models.py
"""
import pathlib

IR_VERSION = 7
OPSET = 13
FLOAT = 1           # TensorProto.DataType.FLOAT
ATTRIBUTE_INT = 2   # AttributeProto.AttributeType.INT
OUT_DIR = pathlib.Path(__file__).resolve().parent.parent / "src/main/resources/io/attn4j/bench"


def varint(n):
    n &= (1 << 64) - 1  # negative int64 values are sent as their 64-bit two's complement
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def int_field(number, value):
    return varint(number << 3 | 0) + varint(value)


def bytes_field(number, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def tensor_value_info(name, dims):
    """ValueInfoProto{name, type: TypeProto{tensor_type: {elem_type FLOAT, shape: symbolic dims}}}."""
    shape = b"".join(bytes_field(1, bytes_field(2, d)) for d in dims)  # Dimension.dim_param
    tensor_type = int_field(1, FLOAT) + bytes_field(2, shape)
    return bytes_field(1, name) + bytes_field(2, bytes_field(1, tensor_type))


def model(op_type, inputs, output, attributes=b""):
    """ModelProto with one GraphProto holding one NodeProto; inputs: [(name, dims)]."""
    node = (b"".join(bytes_field(1, name) for name, _ in inputs) + bytes_field(2, output[0])
            + bytes_field(3, op_type.lower()) + bytes_field(4, op_type) + attributes)
    graph = (bytes_field(1, node) + bytes_field(2, op_type.lower())
             + b"".join(bytes_field(11, tensor_value_info(name, dims)) for name, dims in inputs)
             + bytes_field(12, tensor_value_info(*output)))
    opset_import = bytes_field(1, "") + int_field(2, OPSET)
    return (int_field(1, IR_VERSION) + bytes_field(2, "attn4j-bench") + bytes_field(7, graph)
            + bytes_field(8, opset_import))


def main():
    axis = bytes_field(5, bytes_field(1, "axis") + int_field(3, -1) + int_field(20, ATTRIBUTE_INT))
    files = {
        "matmul.onnx": model("MatMul", [("A", ["M", "K"]), ("B", ["K", "N"])], ("Y", ["M", "N"])),
        "softmax.onnx": model("Softmax", [("X", ["R", "C"])], ("Y", ["R", "C"]), axis),
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (OUT_DIR / name).write_bytes(data)
        print(f"wrote {OUT_DIR / name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
