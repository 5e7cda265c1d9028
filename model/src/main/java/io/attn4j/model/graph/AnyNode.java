package io.attn4j.model.graph;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Keras' {@code ops.any(x, axis=-1)} on booleans {@code (B, T, F)}: the mask {@code (B, T)} that {@code Masking} computes. */
final class AnyNode extends Node {
    AnyNode(String name, Port x) {
        super(name, "Any", new Port[]{x});
    }

    @Override
    void forward(Frame f) {
        Port x = inputs[0], y = outputs[0];
        int width = x.features;
        MemorySegment in = f.data(x), out = f.data(y);
        long steps = (long) f.batch * f.seq;
        for (long s = 0; s < steps; s++) {
            byte any = 0;
            for (int j = 0; j < width && any == 0; j++) {
                any = in.get(ValueLayout.JAVA_BYTE, s * width + j) != 0 ? (byte) 1 : 0;
            }
            out.set(ValueLayout.JAVA_BYTE, s, any);
        }
    }

    @Override
    String runs() {
        return "any over the last axis";
    }
}
