package io.attn4j.model.graph;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras {@code Embedding(input_dim, output_dim, mask_zero)}: row {@code id} of the table for each
 * token of {@code (B, T)}; with {@code mask_zero}, the mask {@code id != 0}. A token outside
 * {@code [0, input_dim)} is an {@link IllegalArgumentException} naming its position (Keras' JAX
 * backend would clamp it silently).
 */
final class EmbeddingNode extends Node {
    final int inputDim;
    private final int outputDim;
    private final MemorySegment table;

    EmbeddingNode(String name, Port ids, float[] table, int inputDim, int outputDim, Arena arena) {
        super(name, "Embedding", new Port[]{ids});
        this.inputDim = inputDim;
        this.outputDim = outputDim;
        this.table = Weights.copy(arena, table);
    }

    /** Checks every valid token before anything is computed. */
    void check(Frame f) {
        MemorySegment ids = f.data(inputs[0]);
        int seq = f.seq(inputs[0]);
        int[] lengths = f.lengths(inputs[0]);
        for (int b = 0; b < f.batch; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                int id = ids.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, (long) b * seq + t);
                if (id < 0 || id >= inputDim) {
                    throw new IllegalArgumentException("x[" + b + ", " + t + "] = " + id + " is not a token of "
                            + "layer '" + name + "' (Embedding with input_dim " + inputDim + ": ids 0.."
                            + (inputDim - 1) + ")");
                }
            }
        }
    }

    @Override
    void forward(Frame f) {
        Port y = outputs[0];
        MemorySegment ids = f.data(inputs[0]), out = f.data(y);
        MemorySegment mask = y.mask == null ? null : f.data(y.mask);
        long rowBytes = (long) outputDim * Float.BYTES;
        int seq = f.seq(y);
        int[] lengths = f.lengths(y);
        for (int b = 0; b < f.batch; b++) {
            for (int t = 0; t < seq; t++) {
                long step = (long) b * seq + t;
                if (t < lengths[b]) {
                    int id = ids.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, step);
                    MemorySegment.copy(table, id * rowBytes, out, step * rowBytes, rowBytes);
                    if (mask != null) {
                        mask.set(ValueLayout.JAVA_BYTE, step, id != 0 ? (byte) 1 : 0);
                    }
                } else {
                    out.asSlice(step * rowBytes, rowBytes).fill((byte) 0);
                    if (mask != null) {
                        mask.set(ValueLayout.JAVA_BYTE, step, (byte) 0);
                    }
                }
            }
        }
    }

    @Override
    String runs() {
        return "table lookup" + (outputs[0].mask != null ? ", mask = ids != 0" : "");
    }

    @Override
    String weights() {
        return "embeddings (" + inputDim + ", " + outputDim + ")";
    }
}
