package io.attn4j.model.graph;

import java.lang.foreign.MemorySegment;

/**
 * Keras {@code Flatten} after a fixed number of steps: {@code (B, T, F) -> (B, T*F)}. Every
 * sequence of the call must have all {@code T} steps (Keras cannot flatten a sequence of another
 * length either).
 */
final class FlattenNode extends Node {
    private final int steps;

    FlattenNode(String name, Port x, int steps) {
        super(name, "Flatten", new Port[]{x});
        this.steps = steps;
    }

    /** Rejects a call that is not {@code steps} long in every row, before anything runs. */
    void check(Frame f) {
        for (int b = 0; b < f.batch; b++) {
            if (f.lengths[b] != steps || f.seq != steps) {
                throw new IllegalArgumentException("layer '" + name + "' (Flatten) needs every sequence to have "
                        + steps + " steps (the model's fixed length), got lengths[" + b + "] = " + f.lengths[b]
                        + " of " + f.seq);
            }
        }
    }

    @Override
    void forward(Frame f) {
        Port x = inputs[0];
        MemorySegment.copy(f.data(x), 0, f.data(outputs[0]), 0, (long) f.batch * steps * x.features * Float.BYTES);
    }

    @Override
    String runs() {
        return "(" + steps + ", F) -> (" + steps + "*F)";
    }
}
