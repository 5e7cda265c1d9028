#!/usr/bin/env python3
"""Writes the ONNX models the benchmarks feed ONNX Runtime, with the standard library only.

    matmul.onnx            Y = MatMul(A, B)        A: float[M, K], B: float[K, N], Y: float[M, N]
    softmax.onnx           Y = Softmax(X, axis=-1) X, Y: float[R, C]
    attention.onnx         Y = Softmax(scale * Q K^T) V, batched over N heads:
                           Q: float[N, Tq, D], K: float[N, Tk, D], V: float[N, Tk, Dv], scale: float[1]
    attention_masked.onnx  the same with an additive mask M: float[Tq, Tk] (0 or -inf) added before the softmax
    mha_h8.onnx            multi-head self-attention with projections, 8 heads, as nn.MultiheadAttention:
                           X: float[T, E], Wqkv: float[E, 3E] (in_proj_weight^T), Bqkv: float[3E],
                           Wo: float[E, E] (out_proj.weight^T), Bo: float[E], scale: float[1]
    mha_h8_contrib.onnx    the same through ONNX Runtime's contrib operator com.microsoft.MultiHeadAttention:
                           MatMul Wqkv, Split, the operator (adding Bqkv itself), MatMul Wo + Bo; inputs as
                           mha_h8.onnx without scale (the operator's default, 1/sqrt(head size), is
                           nn.MultiheadAttention's)

The attention graphs are the plain MatMul-Softmax-MatMul composition (ONNX Runtime's optimizer may
fuse what it can), except the contrib-operator model, which imports the com.microsoft operator set
(version 1) beside the standard one. Of ONNX Runtime's two contrib operators for W4, MultiHeadAttention
(projected Q, K, V in) and Attention (X and the merged weights in, the projection done inside), 1.23.2
on the CPU ran W4 equally fast on one thread (45-46 ms each, within the noise of a shared 2-core
machine); MultiHeadAttention is kept, the one the attention issue names and times.

Dimensions are symbolic, so one file serves every benchmark shape. The protobuf
wire format is written by hand (field numbers from onnx/onnx.proto) because the `onnx` package is
not needed for a few nodes. IR version 7 with opset 13 (the first opset whose Softmax normalizes one
axis rather than flattening from it); ONNX Runtime 1.23 loads them, and the benchmarks' setup checks
their results against attn4j's before timing.

Run from anywhere: python3 bench/scripts/make_onnx_models.py
"""
import pathlib
import struct

IR_VERSION = 7
OPSET = 13
FLOAT = 1           # TensorProto.DataType.FLOAT
INT32 = 6           # TensorProto.DataType.INT32
INT64 = 7           # TensorProto.DataType.INT64
CONTRIB = "com.microsoft"  # ONNX Runtime's contrib operators' domain
CONTRIB_OPSET = 1
ATTRIBUTE_INT = 2   # AttributeProto.AttributeType.INT
ATTRIBUTE_INTS = 7  # AttributeProto.AttributeType.INTS
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


def tensor_value_info(name, dims, elem_type=FLOAT):
    """ValueInfoProto{name, type: TypeProto{tensor_type: {elem_type, shape}}}; str dims symbolic, int dims fixed."""
    shape = b"".join(bytes_field(1, int_field(1, d) if isinstance(d, int) else bytes_field(2, d))  # dim_value, dim_param
                     for d in dims)
    tensor_type = int_field(1, elem_type) + bytes_field(2, shape)
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


def int_attribute(name, value):
    return bytes_field(5, bytes_field(1, name) + int_field(3, value) + int_field(20, ATTRIBUTE_INT))


def ints_attribute(name, values):
    return bytes_field(5, bytes_field(1, name) + b"".join(int_field(8, v) for v in values)
                       + int_field(20, ATTRIBUTE_INTS))


def node(op_type, inputs, outputs, name, attributes=b"", domain=""):
    """NodeProto{input, output, name, op_type, attribute, domain}; domain "" is the standard operator set."""
    return (b"".join(bytes_field(1, i) for i in inputs) + b"".join(bytes_field(2, o) for o in outputs)
            + bytes_field(3, name) + bytes_field(4, op_type) + attributes
            + (bytes_field(7, domain) if domain else b""))


def tensor_initializer(name, data_type, pack_format, values, dims):
    """TensorProto{dims, data_type, name, raw_data little-endian}; dims [] for a scalar."""
    return (b"".join(int_field(1, d) for d in dims) + int_field(2, data_type) + bytes_field(8, name)
            + bytes_field(9, struct.pack("<%d%s" % (len(values), pack_format), *values)))


def int64_initializer(name, values, dims=None):
    """An INT64 tensor, by default the vector of values."""
    return tensor_initializer(name, INT64, "q", values, [len(values)] if dims is None else dims)


def float_initializer(name, values, dims):
    return tensor_initializer(name, FLOAT, "f", values, dims)


def graph_model(name, nodes, inputs, output, initializers=(), contrib=False):
    """ModelProto over a GraphProto of several nodes; inputs and output: (name, dims[, elem_type FLOAT]),
    initializers: TensorProtos; contrib: the nodes use ONNX Runtime's com.microsoft operators too."""
    graph = (b"".join(bytes_field(1, n) for n in nodes) + bytes_field(2, name)
             + b"".join(bytes_field(5, t) for t in initializers)
             + b"".join(bytes_field(11, tensor_value_info(*i)) for i in inputs)
             + bytes_field(12, tensor_value_info(*output)))
    opset_imports = bytes_field(8, bytes_field(1, "") + int_field(2, OPSET))  # OperatorSetIdProto{domain, version}
    if contrib:
        opset_imports += bytes_field(8, bytes_field(1, CONTRIB) + int_field(2, CONTRIB_OPSET))
    return (int_field(1, IR_VERSION) + bytes_field(2, "attn4j-bench") + bytes_field(7, graph) + opset_imports)


def attention(masked):
    """Y = Softmax(scale * Q K^T (+ M)) V over N heads."""
    nodes = [node("Transpose", ["K"], ["Kt"], "kt", ints_attribute("perm", [0, 2, 1])),
             node("MatMul", ["Q", "Kt"], ["S"], "qk"),
             node("Mul", ["S", "scale"], ["Z"], "scale")]
    scores = "Z"
    if masked:
        nodes.append(node("Add", ["Z", "M"], ["Zm"], "mask"))
        scores = "Zm"
    nodes += [node("Softmax", [scores], ["P"], "softmax", int_attribute("axis", -1)),
              node("MatMul", ["P", "V"], ["Y"], "pv")]
    inputs = [("Q", ["N", "Tq", "D"]), ("K", ["N", "Tk", "D"]), ("V", ["N", "Tk", "Dv"]), ("scale", ["One"])]
    if masked:
        inputs.append(("M", ["Tq", "Tk"]))
    return graph_model("attention", nodes, inputs, ("Y", ["N", "Tq", "Dv"]))


def mha(heads):
    """nn.MultiheadAttention self-attention: projections, heads split, attention, heads joined, output projection."""
    nodes = [node("MatMul", ["X", "Wqkv"], ["XW"], "in_proj"),
             node("Add", ["XW", "Bqkv"], ["QKV"], "in_bias"),
             node("Split", ["QKV"], ["Q", "K", "V"], "split", int_attribute("axis", 1)),
             node("Reshape", ["Q", "heads"], ["Qr"], "q_heads"),
             node("Transpose", ["Qr"], ["Qh"], "q_t", ints_attribute("perm", [1, 0, 2])),
             node("Reshape", ["K", "heads"], ["Kr"], "k_heads"),
             node("Transpose", ["Kr"], ["Kt"], "k_t", ints_attribute("perm", [1, 2, 0])),
             node("Reshape", ["V", "heads"], ["Vr"], "v_heads"),
             node("Transpose", ["Vr"], ["Vh"], "v_t", ints_attribute("perm", [1, 0, 2])),
             node("MatMul", ["Qh", "Kt"], ["S"], "qk"),
             node("Mul", ["S", "scale"], ["Z"], "scale"),
             node("Softmax", ["Z"], ["P"], "softmax", int_attribute("axis", -1)),
             node("MatMul", ["P", "Vh"], ["O"], "pv"),
             node("Transpose", ["O"], ["Ot"], "o_t", ints_attribute("perm", [1, 0, 2])),
             node("Reshape", ["Ot", "flat"], ["C"], "concat"),
             node("MatMul", ["C", "Wo"], ["YW"], "out_proj"),
             node("Add", ["YW", "Bo"], ["Y"], "out_bias")]
    inputs = [("X", ["T", "E"]), ("Wqkv", ["E", "E3"]), ("Bqkv", ["E3"]), ("Wo", ["E", "E"]), ("Bo", ["E"]),
              ("scale", ["One"])]
    initializers = [int64_initializer("heads", [0, heads, -1]), int64_initializer("flat", [0, -1])]
    return graph_model("mha", nodes, inputs, ("Y", ["T", "E"]), initializers)


def mha_contrib(heads):
    """mha() through ONNX Runtime's contrib operator com.microsoft.MultiHeadAttention, default scale.

    Its query, key and value are [batch, T, E]: the projection X Wqkv [T, 3E] is given a batch axis and
    split in three; its optional bias input adds Bqkv. The result [1, T, E] loses the batch axis again
    before the output projection.
    """
    nodes = [node("MatMul", ["X", "Wqkv"], ["XW"], "in_proj"),
             node("Unsqueeze", ["XW", "batch_axis"], ["XW3"], "batch"),
             node("Split", ["XW3"], ["Q", "K", "V"], "split", int_attribute("axis", 2)),
             node("MultiHeadAttention", ["Q", "K", "V", "Bqkv"], ["C3"], "attention",
                  int_attribute("num_heads", heads), CONTRIB),
             node("Squeeze", ["C3", "batch_axis"], ["C"], "unbatch"),
             node("MatMul", ["C", "Wo"], ["YW"], "out_proj"),
             node("Add", ["YW", "Bo"], ["Y"], "out_bias")]
    inputs = [("X", ["T", "E"]), ("Wqkv", ["E", "E3"]), ("Bqkv", ["E3"]), ("Wo", ["E", "E"]), ("Bo", ["E"])]
    initializers = [int64_initializer("batch_axis", [0])]
    return graph_model("mha_contrib", nodes, inputs, ("Y", ["T", "E"]), initializers, contrib=True)


def main():
    axis = bytes_field(5, bytes_field(1, "axis") + int_field(3, -1) + int_field(20, ATTRIBUTE_INT))
    files = {
        "matmul.onnx": model("MatMul", [("A", ["M", "K"]), ("B", ["K", "N"])], ("Y", ["M", "N"])),
        "softmax.onnx": model("Softmax", [("X", ["R", "C"])], ("Y", ["R", "C"]), axis),
        "attention.onnx": attention(masked=False),
        "attention_masked.onnx": attention(masked=True),
        "mha_h8.onnx": mha(8),
        "mha_h8_contrib.onnx": mha_contrib(8),
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (OUT_DIR / name).write_bytes(data)
        print(f"wrote {OUT_DIR / name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
