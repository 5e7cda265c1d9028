package io.attn4j.attention;

import io.attn4j.engine.tensor.Tensor;
import java.util.Arrays;

/**
 * Shape comparisons that allocate nothing when they pass ({@link Tensor#shape()} copies its
 * array), for argument checks on every call; messages are built only on failure.
 */
final class Shapes {
    private Shapes() {
    }

    static boolean is(Tensor t, long a, long b) {
        return t.rank() == 2 && t.dim(0) == a && t.dim(1) == b;
    }

    static boolean is(Tensor t, long a, long b, long c) {
        return t.rank() == 3 && t.dim(0) == a && t.dim(1) == b && t.dim(2) == c;
    }

    static boolean is(Tensor t, long a, long b, long c, long d) {
        return t.rank() == 4 && t.dim(0) == a && t.dim(1) == b && t.dim(2) == c && t.dim(3) == d;
    }

    /** {@code [a, b, ...]}, for messages. */
    static String of(long... dims) {
        return Arrays.toString(dims);
    }

    /** The shape of {@code t}, for messages. */
    static String of(Tensor t) {
        return Arrays.toString(t.shape());
    }
}
