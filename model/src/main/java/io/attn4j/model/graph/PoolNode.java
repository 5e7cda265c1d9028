package io.attn4j.model.graph;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras {@code GlobalAveragePooling1D} and {@code GlobalMaxPooling1D} over the steps
 * {@code t < L_b} of {@code (B, T, F)}:
 * <ul>
 *   <li>average with a mask (Keras passes it to this layer): {@code sum_t m_t x_t / sum_t m_t};
 *       a row with no valid step gives {@code 0/0}, NaN, as Keras does;</li>
 *   <li>average without a mask: the mean of the {@code L_b} steps;</li>
 *   <li>max: the maximum over the {@code L_b} steps; Keras' max pooling does not take a mask, so
 *       masked steps count with whatever the layer before emitted there.</li>
 * </ul>
 * Sums run in float32 in step order. Error: {@code L eps} relative to the sum of magnitudes.
 */
final class PoolNode extends Node {
    private final boolean max;
    private final Port mask;

    PoolNode(String name, String className, Port x, Port mask, boolean max) {
        super(name, className, new Port[]{x});
        this.max = max;
        this.mask = mask;
    }

    /** True for an average without a mask: the mean of the valid steps. */
    boolean meansWithoutMask() {
        return !max && mask == null;
    }

    @Override
    void forward(Frame f) {
        Port x = inputs[0];
        int width = x.features;
        MemorySegment in = f.data(x), out = f.data(outputs[0]);
        MemorySegment m = mask == null ? null : f.data(mask);
        for (int b = 0; b < f.batch; b++) {
            long dst = (long) b * width;
            long row0 = (long) b * f.seq;
            int len = f.lengths[b];
            if (max) {
                MemorySegment.copy(in, row0 * width * Float.BYTES, out, dst * Float.BYTES, (long) width * Float.BYTES);
                for (int t = 1; t < len; t++) {
                    long src = (row0 + t) * width;
                    for (int j = 0; j < width; j++) {
                        float v = in.getAtIndex(Frame.F32, src + j), cur = out.getAtIndex(Frame.F32, dst + j);
                        out.setAtIndex(Frame.F32, dst + j, v > cur || Float.isNaN(v) ? v : cur);
                    }
                }
                continue;
            }
            out.asSlice(dst * Float.BYTES, (long) width * Float.BYTES).fill((byte) 0);
            int count = 0;
            for (int t = 0; t < len; t++) {
                if (m != null && m.get(ValueLayout.JAVA_BYTE, row0 + t) == 0) {
                    continue;
                }
                f.kernels.add(width, out, dst, in, (row0 + t) * width, out, dst);
                count++;
            }
            float divisor = m != null ? count : len;
            for (int j = 0; j < width; j++) {
                out.setAtIndex(Frame.F32, dst + j, out.getAtIndex(Frame.F32, dst + j) / divisor);
            }
        }
    }

    @Override
    String runs() {
        return max
                ? "max over the valid steps (Keras ignores the mask here)"
                : mask != null ? "mean over the steps the mask keeps" : "mean over the valid steps";
    }
}
