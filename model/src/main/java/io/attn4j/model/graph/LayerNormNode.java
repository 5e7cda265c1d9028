package io.attn4j.model.graph;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Keras {@code LayerNormalization(axis=-1)}: per row of the last axis,
 * {@code y = (x - mean) / sqrt(var + epsilon) * gamma + beta} with the biased variance, mean and
 * variance in double precision (Keras computes them in float32: the difference is within float32
 * rounding of the result).
 */
final class LayerNormNode extends Node {
    private final int width;
    private final double epsilon;
    private final MemorySegment gamma;
    private final MemorySegment beta;

    LayerNormNode(String name, Port x, double epsilon, float[] gamma, float[] beta, Arena arena) {
        super(name, "LayerNormalization", new Port[]{x});
        this.width = x.features;
        this.epsilon = epsilon;
        this.gamma = gamma == null ? null : Weights.copy(arena, gamma);
        this.beta = beta == null ? null : Weights.copy(arena, beta);
    }

    @Override
    void forward(Frame f) {
        Port x = inputs[0], y = outputs[0];
        MemorySegment in = f.data(x), out = f.data(y);
        for (int b = 0; b < f.batch; b++) {
            int steps = x.sequence ? f.lengths[b] : 1;
            long row0 = x.sequence ? (long) b * f.seq : b;
            for (int t = 0; t < steps; t++) {
                long off = (row0 + t) * width;
                double mean = 0;
                for (int j = 0; j < width; j++) {
                    mean += in.getAtIndex(Frame.F32, off + j);
                }
                mean /= width;
                double var = 0;
                for (int j = 0; j < width; j++) {
                    double d = in.getAtIndex(Frame.F32, off + j) - mean;
                    var += d * d;
                }
                double inv = 1 / Math.sqrt(var / width + epsilon);
                for (int j = 0; j < width; j++) {
                    double v = (in.getAtIndex(Frame.F32, off + j) - mean) * inv;
                    if (gamma != null) {
                        v *= gamma.getAtIndex(Frame.F32, j);
                    }
                    if (beta != null) {
                        v += beta.getAtIndex(Frame.F32, j);
                    }
                    out.setAtIndex(Frame.F32, off + j, (float) v);
                }
            }
        }
        if (y.sequence) {
            f.zeroPadding(y);
        }
    }

    @Override
    String runs() {
        return "layer norm over " + width + " (epsilon " + epsilon + ")";
    }

    @Override
    String weights() {
        return (gamma == null ? "" : "gamma (" + width + ")") + (gamma != null && beta != null ? ", " : "")
                + (beta == null ? "" : "beta (" + width + ")");
    }
}
