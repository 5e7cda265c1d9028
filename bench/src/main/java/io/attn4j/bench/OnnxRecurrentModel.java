package io.attn4j.bench;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes a one-node ONNX {@code LSTM} or {@code GRU} model whose weights are constant
 * initializers, so that ONNX Runtime may pre-pack them as it does for a deployed model, the same
 * advantage attn4j's load-time conversion has. Built in the benchmark's set-up because the weights
 * differ per shape (a checked-in file per shape would be megabytes).
 *
 * <p>The protobuf wire format is written by hand (field numbers from onnx/onnx.proto), as
 * {@code bench/scripts/make_onnx_models.py} does for the stateless models.
 *
 * <p>Model: input {@code X [T, B, in]} (ONNX's time-major layout), output {@code Y [T, 1, B, H]};
 * {@code W [1, G*H, in]}, {@code R [1, G*H, H]}, {@code B [1, 2*G*H]} with ONNX gate orders
 * (LSTM i,o,f,c; GRU z,r,h) and, for the GRU, {@code linear_before_reset = 1}: PyTorch's cell.
 */
final class OnnxRecurrentModel {
    private static final int IR_VERSION = 7;
    private static final int OPSET = 14;
    private static final int FLOAT = 1;
    private static final int ATTRIBUTE_INT = 2;

    private OnnxRecurrentModel() {
    }

    /**
     * @param lstm LSTM when true, else GRU
     * @param w PyTorch {@code weight_ih} {@code (G*H, in)}, gate blocks in PyTorch order
     * @param r PyTorch {@code weight_hh} {@code (G*H, H)}
     * @param bIh PyTorch {@code bias_ih}; {@code bHh} likewise
     */
    static byte[] build(boolean lstm, int input, int hidden, float[] w, float[] r, float[] bIh, float[] bHh) {
        // ONNX block g holds PyTorch block onnxToTorch[g].
        int[] onnxToTorch = lstm ? new int[]{0, 3, 1, 2} : new int[]{1, 0, 2};
        int gates = onnxToTorch.length;
        float[] bias = new float[2 * gates * hidden];
        System.arraycopy(reorder(bIh, hidden, 1, onnxToTorch), 0, bias, 0, gates * hidden);
        System.arraycopy(reorder(bHh, hidden, 1, onnxToTorch), 0, bias, gates * hidden, gates * hidden);
        byte[] node = concat(str(1, "X"), str(1, "W"), str(1, "R"), str(1, "B"), str(2, "Y"),
                str(3, "rnn"), str(4, lstm ? "LSTM" : "GRU"), attribute("hidden_size", hidden),
                lstm ? new byte[0] : attribute("linear_before_reset", 1));
        byte[] graph = concat(message(1, node), str(2, "recurrent"),
                message(5, initializer("W", reorder(w, hidden, input, onnxToTorch), 1, gates * hidden, input)),
                message(5, initializer("R", reorder(r, hidden, hidden, onnxToTorch), 1, gates * hidden, hidden)),
                message(5, initializer("B", bias, 1, 2L * gates * hidden)),
                message(11, valueInfo("X", "T", "B", String.valueOf(input))),
                message(12, valueInfo("Y", "T", "1", "B", String.valueOf(hidden))));
        byte[] opset = concat(str(1, ""), integer(2, OPSET));
        return concat(integer(1, IR_VERSION), str(2, "attn4j-bench"), message(7, graph), message(8, opset));
    }

    /** Rows of {@code torch} (blocks of {@code hidden} rows of {@code cols}) in ONNX block order. */
    private static float[] reorder(float[] torch, int hidden, int cols, int[] onnxToTorch) {
        float[] out = new float[torch.length];
        int block = hidden * cols;
        for (int g = 0; g < onnxToTorch.length; g++) {
            System.arraycopy(torch, onnxToTorch[g] * block, out, g * block, block);
        }
        return out;
    }

    /** TensorProto{dims, data_type FLOAT, name, raw_data little-endian}. */
    private static byte[] initializer(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        byte[] dimFields = new byte[0];
        for (long d : dims) {
            dimFields = concat(dimFields, integer(1, d));
        }
        return concat(dimFields, integer(2, FLOAT), str(8, name), bytes(9, raw.array()));
    }

    /** ValueInfoProto{name, TypeProto{tensor_type{elem_type FLOAT, shape}}}; numeric dims fixed, others symbolic. */
    private static byte[] valueInfo(String name, String... dims) {
        byte[] shape = new byte[0];
        for (String d : dims) {
            byte[] dim = d.chars().allMatch(Character::isDigit) ? integer(1, Long.parseLong(d)) : str(2, d);
            shape = concat(shape, message(1, dim));
        }
        byte[] tensorType = concat(integer(1, FLOAT), message(2, shape));
        return concat(str(1, name), message(2, message(1, tensorType)));
    }

    private static byte[] attribute(String name, long value) {
        return message(5, concat(str(1, name), integer(3, value), integer(20, ATTRIBUTE_INT)));
    }

    private static byte[] integer(int field, long value) {
        return concat(varint((long) field << 3), varint(value));
    }

    private static byte[] str(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] message(int field, byte[] payload) {
        return bytes(field, payload);
    }

    private static byte[] bytes(int field, byte[] payload) {
        return concat(varint((long) field << 3 | 2), varint(payload.length), payload);
    }

    private static byte[] varint(long n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        do {
            int low = (int) (n & 0x7F);
            n >>>= 7;
            out.write(low | (n != 0 ? 0x80 : 0));
        } while (n != 0);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
