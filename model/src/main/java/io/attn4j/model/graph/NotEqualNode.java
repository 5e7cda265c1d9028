package io.attn4j.model.graph;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras' {@code ops.not_equal(x, value)} as it appears in saved graphs, where a mask is computed
 * ({@code Masking}, {@code Embedding(mask_zero=True)}): per element of a float sequence
 * ({@code (B, T, F)} booleans) or per token ({@code (B, T)}, a mask). Steps past a row's length
 * are false.
 */
final class NotEqualNode extends Node {
    private final double value;

    NotEqualNode(String name, Port x, double value) {
        super(name, "NotEqual", new Port[]{x});
        this.value = value;
    }

    @Override
    void forward(Frame f) {
        Port x = inputs[0], y = outputs[0];
        int width = x.kind == Port.Kind.TOKENS ? 1 : x.features;
        MemorySegment in = f.data(x), out = f.data(y);
        for (int b = 0; b < f.batch; b++) {
            for (int t = 0; t < f.seq; t++) {
                long off = ((long) b * f.seq + t) * width;
                for (int j = 0; j < width; j++) {
                    boolean ne = false;
                    if (t < f.lengths[b]) {
                        double v = x.kind == Port.Kind.TOKENS
                                ? in.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, off + j)
                                : in.getAtIndex(Frame.F32, off + j);
                        ne = v != value;
                    }
                    out.set(ValueLayout.JAVA_BYTE, off + j, ne ? (byte) 1 : 0);
                }
            }
        }
    }

    @Override
    String runs() {
        return "x != " + value;
    }
}
