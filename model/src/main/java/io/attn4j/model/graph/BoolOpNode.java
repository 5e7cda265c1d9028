package io.attn4j.model.graph;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The boolean operations Keras 3 records in saved graphs where layers compute masks
 * ({@code Concatenate.compute_mask}: {@code expand_dims}, {@code zeros_like}/{@code ones_like},
 * {@code logical_or}, {@code concatenate}): element-wise on {@code (B, T, F)} booleans, a last
 * axis of 1 broadcast against F. Steps past a row's length are false.
 */
final class BoolOpNode extends Node {
    /** The operation. */
    enum Op {
        ZEROS_LIKE, ONES_LIKE, OR, AND, NOT, CONCATENATE
    }

    private final Op op;

    BoolOpNode(String name, String className, Port[] inputs, Op op) {
        super(name, className, inputs);
        this.op = op;
    }

    @Override
    void forward(Frame f) {
        Port y = outputs[0];
        MemorySegment out = f.data(y);
        int width = y.features;
        for (int b = 0; b < f.batch; b++) {
            for (int t = 0; t < f.seq; t++) {
                long step = (long) b * f.seq + t;
                boolean live = t < f.lengths[b];
                for (int j = 0; j < width; j++) {
                    boolean v = live && value(f, step, j);
                    out.set(ValueLayout.JAVA_BYTE, step * width + j, v ? (byte) 1 : 0);
                }
            }
        }
    }

    private boolean value(Frame f, long step, int j) {
        return switch (op) {
            case ZEROS_LIKE -> false;
            case ONES_LIKE -> true;
            case OR -> at(f, inputs[0], step, j) || at(f, inputs[1], step, j);
            case AND -> at(f, inputs[0], step, j) && at(f, inputs[1], step, j);
            case NOT -> !at(f, inputs[0], step, j);
            case CONCATENATE -> {
                int col = j;
                for (Port p : inputs) {
                    if (col < p.features) {
                        yield at(f, p, step, col);
                    }
                    col -= p.features;
                }
                throw new IllegalStateException("column " + j + " past the inputs");
            }
        };
    }

    /** Element j of a boolean value at a step, a last axis of 1 broadcast. */
    private static boolean at(Frame f, Port p, long step, int j) {
        int width = p.kind == Port.Kind.MASK ? 1 : p.features;
        return f.data(p).get(ValueLayout.JAVA_BYTE, step * width + (width == 1 ? 0 : j)) != 0;
    }

    @Override
    String runs() {
        return op.name().toLowerCase(java.util.Locale.ROOT) + " (a mask computation)";
    }
}
