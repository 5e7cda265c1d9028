package io.attn4j.engine.kernel;

import static io.attn4j.engine.testing.Values.EPS;
import static io.attn4j.engine.testing.Values.UNDERFLOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.engine.testing.Segments;
import io.attn4j.engine.testing.TestKernels;
import io.attn4j.engine.testing.Values;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The level-1 vector kernels against the scalar reference: element-wise ones and max/argmax bit
 * for bit, dot and sum within the reordering bound of {@link Kernels}.
 */
@Tag("vector-width")
class VectorLevel1Test {
    private static final Kernels VECTOR = TestKernels.vector();
    private static final Kernels SCALAR = TestKernels.scalar();

    @Test
    void dotIsWithinTheReorderingBound() {
        RandomTrials.run(400, rnd -> {
            int n = Values.size(rnd), xOff = Values.offset(rnd), yOff = Values.offset(rnd);
            Values.Kind kind = Values.pick(rnd, Values.Kind.values());
            // |x|, |y| <= 1e15: products <= 1e30 and any partial sum of 5000 of them stays finite
            float[] xs = Values.of(kind, n, rnd, 1e15f), ys = Values.of(kind, n, rnd, 1e15f);
            double exact = 0, magnitude = 0;
            for (int i = 0; i < n; i++) {
                exact += (double) xs[i] * ys[i];
                magnitude += Math.abs((double) xs[i] * ys[i]);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = Segments.floats(arena, xOff, xs), y = Segments.floats(arena, yOff, ys);
                float v = VECTOR.dot(n, x, xOff, y, yOff), s = SCALAR.dot(n, x, xOff, y, yOff);
                // Any order of n FMAs: |err| <= n eps sum|x y| (to first order; 1.01 covers the rest),
                // plus 2^-150 per rounding that underflows, plus the double reference's own n 2^-53 sum|x y|.
                double bound = 1.01 * n * EPS * magnitude + n * UNDERFLOW + n * 0x1p-53 * magnitude;
                String at = " of " + n + " " + kind + " at offsets " + xOff + ", " + yOff;
                assertWithin(exact, v, bound, "vector dot" + at);
                assertWithin(exact, s, bound, "scalar dot" + at);
            }
        });
    }

    @Test
    void sumIsWithinTheReorderingBound() {
        RandomTrials.run(400, rnd -> {
            int n = Values.size(rnd), xOff = Values.offset(rnd);
            Values.Kind kind = Values.pick(rnd, Values.Kind.values());
            // |x| <= 1e34: any partial sum of 5000 stays finite
            float[] xs = Values.of(kind, n, rnd, 1e34f);
            double exact = 0, magnitude = 0;
            for (float f : xs) {
                exact += f;
                magnitude += Math.abs(f);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = Segments.floats(arena, xOff, xs);
                // Any order of n additions: |err| <= n eps sum|x| (first order, 1.01 for the rest);
                // additions into the subnormals are exact; the double reference adds n 2^-53 sum|x|.
                double bound = 1.01 * n * EPS * magnitude + n * 0x1p-53 * magnitude;
                String at = " of " + n + " " + kind + " at offset " + xOff;
                assertWithin(exact, VECTOR.sum(n, x, xOff), bound, "vector sum" + at);
                assertWithin(exact, SCALAR.sum(n, x, xOff), bound, "scalar sum" + at);
            }
        });
    }

    @Test
    void maxAndArgmaxEqualTheReference() {
        RandomTrials.run(400, rnd -> {
            int n = Values.size(rnd), xOff = Values.offset(rnd);
            Values.Kind kind = Values.pick(rnd, Values.Kind.values());
            float[] xs = Values.of(kind, n, rnd, Float.MAX_VALUE);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = Segments.floats(arena, xOff, xs);
                String at = " of " + n + " " + kind + " at offset " + xOff;
                // exact: the maximum of a set does not depend on the order it is scanned in
                assertEquals(Float.floatToIntBits(SCALAR.max(n, x, xOff)), Float.floatToIntBits(VECTOR.max(n, x, xOff)),
                        "max" + at);
                assertEquals(SCALAR.argmax(n, x, xOff), VECTOR.argmax(n, x, xOff), "argmax" + at);
            }
        });
    }

    @Test
    void argmaxTakesTheFirstOfTiesAndTheFirstNaN() {
        RandomTrials.run(200, rnd -> {
            int n = Values.size(rnd), xOff = Values.offset(rnd);
            float[] xs = new float[n];
            for (int i = 0; i < n; i++) {
                xs[i] = rnd.nextInt(4) - 3; // many ties at the maximum 0, some of them -0
                xs[i] = xs[i] == 0 && rnd.nextBoolean() ? -0f : xs[i];
            }
            if (n > 0 && rnd.nextBoolean()) {
                xs[rnd.nextInt(n)] = Float.NaN;
                xs[rnd.nextInt(n)] = Float.NaN;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = Segments.floats(arena, xOff, xs);
                String at = " of " + n + " at offset " + xOff;
                assertEquals(SCALAR.argmax(n, x, xOff), VECTOR.argmax(n, x, xOff), "argmax" + at);
                assertEquals(Float.floatToIntBits(SCALAR.max(n, x, xOff)), Float.floatToIntBits(VECTOR.max(n, x, xOff)),
                        "max" + at);
            }
        });
    }

    @Test
    void elementWiseKernelsEqualTheReference() {
        RandomTrials.run(300, rnd -> {
            int n = Values.size(rnd), aOff = Values.offset(rnd), bOff = Values.offset(rnd), outOff = Values.offset(rnd);
            Values.Kind kind = Values.pick(rnd, Values.Kind.values());
            float[] as = Values.of(kind, n, rnd, Float.MAX_VALUE), bs = Values.of(kind, n, rnd, Float.MAX_VALUE);
            float[] cs = Values.of(kind, n, rnd, Float.MAX_VALUE);
            float alpha = Values.of(kind, 1, rnd, 1e10f)[0];
            String at = " of " + kind + " at offsets " + aOff + ", " + bOff + ", " + outOff;
            // exact: each output is one correctly rounded IEEE operation (fma: one rounding) in both
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment a = Segments.floats(arena, aOff, as), b = Segments.floats(arena, bOff, bs);
                MemorySegment c = Segments.floats(arena, aOff, cs);
                MemorySegment v = Segments.floats(arena, outOff, new float[n]),
                        s = Segments.floats(arena, outOff, new float[n]);

                VECTOR.add(n, a, aOff, b, bOff, v, outOff);
                SCALAR.add(n, a, aOff, b, bOff, s, outOff);
                assertSame(s, v, outOff, n, "add" + at);

                VECTOR.mul(n, a, aOff, b, bOff, v, outOff);
                SCALAR.mul(n, a, aOff, b, bOff, s, outOff);
                assertSame(s, v, outOff, n, "mul" + at);

                VECTOR.fma(n, a, aOff, b, bOff, c, aOff, v, outOff);
                SCALAR.fma(n, a, aOff, b, bOff, c, aOff, s, outOff);
                assertSame(s, v, outOff, n, "fma" + at);

                VECTOR.relu(n, a, aOff, v, outOff);
                SCALAR.relu(n, a, aOff, s, outOff);
                assertSame(s, v, outOff, n, "relu" + at);

                MemorySegment yv = Segments.copy(arena, b), ys = Segments.copy(arena, b);
                VECTOR.axpy(n, alpha, a, aOff, yv, bOff);
                SCALAR.axpy(n, alpha, a, aOff, ys, bOff);
                assertSame(ys, yv, bOff, n, "axpy by " + alpha + at);

                MemorySegment xv = Segments.copy(arena, a), xs = Segments.copy(arena, a);
                VECTOR.scale(n, alpha, xv, aOff);
                SCALAR.scale(n, alpha, xs, aOff);
                assertSame(xs, xv, aOff, n, "scale by " + alpha + at);
            }
        });
    }

    @Test
    void elementWiseKernelsMayWriteOverAnInput() {
        RandomTrials.run(100, rnd -> {
            int n = Values.size(rnd), off = Values.offset(rnd);
            float[] as = Values.of(Values.Kind.SPECIAL, n, rnd, 1e30f),
                    bs = Values.of(Values.Kind.SPECIAL, n, rnd, 1e30f);
            String at = " at offset " + off;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment a = Segments.floats(arena, off, as), b = Segments.floats(arena, off, bs);
                MemorySegment expected = Segments.floats(arena, off, new float[n]);
                SCALAR.fma(n, a, off, b, off, a, off, expected, off);
                VECTOR.fma(n, a, off, b, off, a, off, a, off); // out is a and c
                assertSame(expected, a, off, n, "fma in place" + at);
                SCALAR.relu(n, b, off, expected, off);
                VECTOR.relu(n, b, off, b, off);
                assertSame(expected, b, off, n, "relu in place" + at);
            }
        });
    }

    static void assertWithin(double expected, float actual, double bound, String what) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            assertEquals(Float.floatToIntBits((float) expected), Float.floatToIntBits(actual),
                    what + ": non-finite result");
            return;
        }
        assertTrue(Math.abs(actual - expected) <= bound,
                () -> what + " = " + actual + ", exact " + expected + ", error " + Math.abs(actual - expected)
                        + " > bound " + bound);
    }

    static void assertSame(MemorySegment expected, MemorySegment actual, long off, int n, String what) {
        float[] e = Segments.read(expected, off, n), a = Segments.read(actual, off, n);
        for (int i = 0; i < n; i++) {
            if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) {
                throw new AssertionError(what + ": element " + i + " of " + n + ": expected " + e[i] + ", got " + a[i]);
            }
        }
    }
}
