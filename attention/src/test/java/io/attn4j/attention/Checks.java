package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** Comparisons and tensor helpers shared by the attention tests. */
final class Checks {
    private Checks() {
    }

    /**
     * The golden rule: {@code max|got - expected| <= 1e-5 * max(1, max|expected|)}. Where the
     * expected value is NaN (PyTorch's fully masked rows), the project's rule applies: 0.
     */
    static void assertGolden(String what, float[] expected, float[] got) {
        assertEquals(expected.length, got.length, what + ": length");
        double scale = 1;
        for (float e : expected) {
            if (!Float.isNaN(e)) {
                scale = Math.max(scale, Math.abs(e));
            }
        }
        double tol = 1e-5 * scale, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double want = Float.isNaN(expected[i]) ? 0 : expected[i];
            double err = Math.abs(got[i] - want);
            if (!(err <= worst)) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                at = i;
            }
        }
        if (worst > tol) {
            fail(what + ": max|got - expected| = " + worst + " at " + at + " (got " + got[at] + ", expected "
                    + expected[at] + "), tolerance " + tol);
        }
    }

    /** An I8 tensor holding {@code values} (1 = true). */
    static Tensor bytes(Arena arena, boolean[] values, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.I8, shape);
        for (int i = 0; i < values.length; i++) {
            t.segment().set(ValueLayout.JAVA_BYTE, i, values[i] ? (byte) 1 : 0);
        }
        return t;
    }

    /** A zero F32 tensor of {@code shape} filled with NaN, so that unwritten outputs show. */
    static Tensor nans(Arena arena, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        t.fill(Float.NaN);
        return t;
    }

    static String shape(Tensor t) {
        return Arrays.toString(t.shape());
    }
}
