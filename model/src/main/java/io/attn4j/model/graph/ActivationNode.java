package io.attn4j.model.graph;

import java.lang.foreign.MemorySegment;

/** Keras {@code Activation}: the function on every element (softmax: over the last axis). */
final class ActivationNode extends Node {
    private final Activation activation;

    ActivationNode(String name, Port x, Activation activation) {
        super(name, "Activation", new Port[]{x});
        this.activation = activation;
    }

    @Override
    void forward(Frame f) {
        Port x = inputs[0], y = outputs[0];
        int rows = x.sequence ? f.batch * f.seq : f.batch;
        MemorySegment out = f.data(y);
        MemorySegment.copy(f.data(x), 0, out, 0, (long) rows * x.features * Float.BYTES);
        activation.apply(f.kernels, rows, x.features, out, 0);
        if (y.sequence) {
            f.zeroPadding(y);
        }
    }

    @Override
    String runs() {
        return activation.kerasName();
    }
}
