package io.attn4j.attention;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;

/** Copies of caller weights into a module's own arena, after checking their shapes. */
final class Weights {
    private Weights() {
    }

    /**
     * A contiguous copy of {@code t} in {@code arena}.
     *
     * @throws IllegalArgumentException naming {@code name} if {@code t} is null, not F32, or not of
     *         shape {@code shape}
     */
    static Tensor copy(Arena arena, String name, Tensor t, long... shape) {
        check(name, t, shape);
        return Tensor.of(arena, t.toFloatArray(), shape);
    }

    /** Checks that {@code t} is an F32 tensor of {@code shape}. */
    static void check(String name, Tensor t, long... shape) {
        if (t == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException(name + " must be F32, got " + t.dtype());
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(t.shape()) + ", expected "
                    + Arrays.toString(shape));
        }
    }

    /** Dimension {@code axis} of a weight of rank {@code rank}, after checking dtype and rank. */
    static int dim(String name, Tensor t, int rank, int axis) {
        if (t == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (t.rank() != rank) {
            throw new IllegalArgumentException(
                    name + " must have rank " + rank + ", got shape " + Arrays.toString(t.shape()));
        }
        if (t.dim(axis) > Integer.MAX_VALUE || t.dim(axis) < 1) {
            throw new IllegalArgumentException(name + " has an unusable dimension: " + Arrays.toString(t.shape()));
        }
        return (int) t.dim(axis);
    }
}
