package io.attn4j.model.graph;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras {@code Masking(mask_value)}: a step is valid when some feature differs from the mask value
 * (NaN differs from everything); the output is the input at valid steps and 0 at masked ones, and
 * carries the new mask.
 */
final class MaskingNode extends Node {
    private final float maskValue;

    MaskingNode(String name, Port x, float maskValue) {
        super(name, "Masking", new Port[]{x});
        this.maskValue = maskValue;
    }

    @Override
    void forward(Frame f) {
        Port x = inputs[0], y = outputs[0];
        int width = x.features;
        MemorySegment in = f.data(x), out = f.data(y), mask = f.data(y.mask);
        for (int b = 0; b < f.batch; b++) {
            for (int t = 0; t < f.seq; t++) {
                long step = (long) b * f.seq + t, off = step * width;
                boolean valid = false;
                if (t < f.lengths[b]) {
                    for (int j = 0; j < width && !valid; j++) {
                        valid = in.getAtIndex(Frame.F32, off + j) != maskValue;
                    }
                }
                mask.set(ValueLayout.JAVA_BYTE, step, valid ? (byte) 1 : 0);
                if (valid) {
                    MemorySegment.copy(in, off * Float.BYTES, out, off * Float.BYTES, (long) width * Float.BYTES);
                } else {
                    out.asSlice(off * Float.BYTES, (long) width * Float.BYTES).fill((byte) 0);
                }
            }
        }
    }

    @Override
    String runs() {
        return "mask = any(x != " + maskValue + "), x where valid else 0";
    }
}
