package io.attn4j.model.graph;

import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Keras {@code Dense} (and {@code TimeDistributed(Dense)}): {@code y = act(x W + b)} on the last
 * axis, {@code x (B, in)} or {@code (B, T, in)}, {@code W (in, units)} as Keras stores it (no
 * transpose needed: one GEMM over all rows). Error: the GEMM's bound
 * {@code in * eps * sum_i |x_i W_ij|} plus the activation's.
 */
final class DenseNode extends Node {
    private final int in;
    private final int units;
    private final MemorySegment kernel;
    private final MemorySegment bias;
    private final Activation activation;

    DenseNode(String name, String className, Port x, float[] kernel, float[] bias, int units, Activation activation,
            Arena arena) {
        super(name, className, new Port[]{x});
        this.in = x.features;
        this.units = units;
        this.kernel = Weights.copy(arena, kernel);
        this.bias = bias == null ? null : Weights.copy(arena, bias);
        this.activation = activation;
    }

    @Override
    void forward(Frame f) {
        Port x = inputs[0], y = outputs[0];
        int rows = x.sequence ? f.batch * f.seq : f.batch;
        MemorySegment out = f.data(y);
        // y [rows, units] = x [rows, in] W [in, units] (+ b), then act
        f.kernels.gemm(Transpose.NO, Transpose.NO, rows, units, in, 1f, f.data(x), 0, in, kernel, 0, units, 0f, out, 0,
                units);
        if (bias != null) {
            for (long r = 0; r < rows; r++) {
                f.kernels.add(units, out, r * units, bias, 0, out, r * units);
            }
        }
        activation.apply(f.kernels, rows, units, out, 0);
        if (y.sequence) {
            f.zeroPadding(y);
        }
    }

    @Override
    String runs() {
        return "GEMM (" + in + " -> " + units + ")"
                + (activation == Activation.LINEAR ? "" : " + " + activation.kerasName());
    }

    @Override
    String weights() {
        return "kernel (" + in + ", " + units + ")" + (bias == null ? "" : ", bias (" + units + ")");
    }
}
