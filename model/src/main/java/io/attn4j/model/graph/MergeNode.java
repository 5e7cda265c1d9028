package io.attn4j.model.graph;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras' merge layers on inputs of one shape ({@code Add}, {@code Subtract}, {@code Average},
 * {@code Multiply}) and {@code Concatenate} on the last axis, with their mask rules:
 * <ul>
 *   <li>output mask of Add, Subtract, Average, Multiply: the OR of the inputs' masks when every
 *       input has one, else none; Concatenate: the OR, a maskless input counting as all valid;</li>
 *   <li>Multiply with a mask on every input: masked elements count as 1, and the result is 0
 *       where the output mask is false; with masks on some inputs only, those inputs' masked
 *       elements count as 1 (Keras 3's rule);</li>
 *   <li>the others merge the values as they are.</li>
 * </ul>
 */
final class MergeNode extends Node {
    /** The merge operation. */
    enum Op {
        ADD, SUBTRACT, AVERAGE, MULTIPLY, CONCATENATE
    }

    private final Op op;

    MergeNode(String name, String className, Port[] inputs, Op op) {
        super(name, className, inputs);
        this.op = op;
    }

    @Override
    void forward(Frame f) {
        Port y = outputs[0];
        MemorySegment out = f.data(y);
        boolean seq = y.sequence;
        int rows = seq ? f.batch * f.seq : f.batch;
        if (op == Op.CONCATENATE) {
            int col = 0;
            for (Port x : inputs) {
                MemorySegment in = f.data(x);
                for (long r = 0; r < rows; r++) {
                    MemorySegment.copy(in, r * x.features * Float.BYTES, out, (r * y.features + col) * Float.BYTES,
                            (long) x.features * Float.BYTES);
                }
                col += x.features;
            }
        } else {
            int width = y.features;
            long n = (long) rows * width;
            for (int i = 0; i < inputs.length; i++) {
                Port x = inputs[i];
                MemorySegment in = f.data(x);
                MemorySegment m = op == Op.MULTIPLY && x.mask != null ? f.data(x.mask) : null;
                for (long e = 0; e < n; e++) {
                    float v = in.getAtIndex(Frame.F32, e);
                    if (m != null && m.get(ValueLayout.JAVA_BYTE, e / width) == 0) {
                        v = 1f;
                    }
                    float acc = i == 0 ? v : out.getAtIndex(Frame.F32, e);
                    if (i > 0) {
                        acc = switch (op) {
                            case ADD, AVERAGE -> acc + v;
                            case SUBTRACT -> acc - v;
                            case MULTIPLY -> acc * v;
                            default -> throw new IllegalStateException();
                        };
                    }
                    out.setAtIndex(Frame.F32, e, acc);
                }
            }
            if (op == Op.AVERAGE) {
                for (long e = 0; e < n; e++) {
                    out.setAtIndex(Frame.F32, e, out.getAtIndex(Frame.F32, e) / inputs.length);
                }
            }
        }
        if (y.mask != null && y.mask != inputs[0].mask) {
            orMasks(f, y);
        }
        if (op == Op.MULTIPLY && y.mask != null) {
            MemorySegment m = f.data(y.mask);
            for (long r = 0; r < rows; r++) {
                if (m.get(ValueLayout.JAVA_BYTE, r) == 0) {
                    out.asSlice(r * y.features * Float.BYTES, (long) y.features * Float.BYTES).fill((byte) 0);
                }
            }
        }
        if (seq) {
            f.zeroPadding(y);
        }
    }

    /** The output mask: OR over the inputs, a maskless input all valid (only Concatenate has those). */
    private void orMasks(Frame f, Port y) {
        MemorySegment m = f.data(y.mask);
        for (int b = 0; b < f.batch; b++) {
            for (int t = 0; t < f.seq; t++) {
                long s = (long) b * f.seq + t;
                byte v = 0;
                if (t < f.lengths[b]) {
                    for (Port x : inputs) {
                        if (x.mask == null || f.data(x.mask).get(ValueLayout.JAVA_BYTE, s) != 0) {
                            v = 1;
                            break;
                        }
                    }
                }
                m.set(ValueLayout.JAVA_BYTE, s, v);
            }
        }
    }

    @Override
    String runs() {
        return switch (op) {
            case CONCATENATE -> "concatenate on the last axis";
            case ADD -> "element-wise sum";
            case SUBTRACT -> "element-wise difference";
            case AVERAGE -> "element-wise mean";
            case MULTIPLY -> "element-wise product";
        };
    }
}
