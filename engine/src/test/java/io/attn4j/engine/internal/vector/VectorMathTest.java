package io.attn4j.engine.internal.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.engine.testing.Segments;
import io.attn4j.engine.testing.TestKernels;
import io.attn4j.engine.testing.Values;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The vector exp, tanh and sigmoid kernels against the reference ({@link Math} in double, rounded
 * to float), within the ulps that {@link VectorMath} states; the reference itself is within half
 * an ulp of that rounding, so the stated bound applies to the difference unchanged.
 */
@Tag("vector-width")
class VectorMathTest {
    private static final Kernels VECTOR = TestKernels.vector();
    private static final Kernels SCALAR = TestKernels.scalar();

    /** Where exp, tanh and sigmoid change behaviour, and the inputs around those points. */
    private static final float[] EDGES = {
            0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 0x1p-24f, -0x1p-25f, 1e-7f,
            0.625f, -0.625f, Math.nextDown(0.625f), 9.01f, 9.5f, -9.5f, 20f, 44.4f,
            43.8f, -43.8f, 87.3f, -87.3f, Math.nextUp(87.3f), -87.33655f, -87.34f, -87.6f, Math.nextUp(-87.6f),
            Math.nextDown(-87.6f), 88.72283f, 88.72284f, 88.7229f, 88.8f, 89f,
            -103.27893f, -103.97208f, -103.9721f, -104f, -104.5f, -105f, -150f, 1e10f, -1e10f,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffa00000)};

    enum Inputs {
        /** Any bit pattern: every exponent, NaN payloads, infinities. */
        ANY_BITS,
        /** Uniform over [-110, 110], where exp under- and overflows. */
        EXP_RANGE,
        /** Uniform over [-12, 12], where tanh and sigmoid are not yet saturated. */
        ACTIVATION_RANGE,
        /** 2^-30 .. 2, both signs: where tanh needs its relative accuracy near 0. */
        SMALL,
        /** The edge values above, shuffled. */
        EDGES
    }

    @Test
    void expIsWithinItsStatedUlps() {
        checkTrials("exp", VectorMath.EXP_ULPS);
    }

    @Test
    void tanhIsWithinItsStatedUlps() {
        checkTrials("tanh", VectorMath.TANH_ULPS);
    }

    @Test
    void sigmoidIsWithinItsStatedUlps() {
        checkTrials("sigmoid", VectorMath.SIGMOID_ULPS);
    }

    @Test
    void theFunctionsMayWriteOverTheirInput() {
        RandomTrials.run(50, rnd -> {
            int n = Values.size(rnd), off = Values.offset(rnd);
            float[] xs = inputs(Values.pick(rnd, Inputs.values()), n, rnd);
            check("exp", VectorMath.EXP_ULPS, n, off, off, xs, true);
            check("tanh", VectorMath.TANH_ULPS, n, off, off, xs, true);
            check("sigmoid", VectorMath.SIGMOID_ULPS, n, off, off, xs, true);
        });
    }

    @Test
    void expNonPositiveIsExpOrAFlushedZero() {
        RandomTrials.run(200, rnd -> {
            // 1 to 64 vectors, the ends one time in four
            int vectors = rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? 1 : 64) : rnd.nextInt(1, 65);
            // Only d <= 0 is in its domain: the inputs with the sign set. Within EXP_ULPS of the
            // reference, or +0 where the reference is below 2^-126.
            float[] ds = inputs(Values.pick(rnd, Inputs.values()), vectors * Simd.LANES, rnd);
            for (int i = 0; i < ds.length; i++) {
                ds[i] = -Math.abs(ds[i]);
            }
            float[] out = new float[ds.length];
            for (int i = 0; i < ds.length; i += Simd.LANES) {
                VectorMath.expNonPositive(FloatVector.fromArray(Simd.SPECIES, ds, i)).intoArray(out, i);
            }
            for (int i = 0; i < ds.length; i++) {
                float expected = (float) Math.exp(ds[i]);
                boolean flushed = expected < 0x1p-126f && Float.floatToRawIntBits(out[i]) == 0;
                if (!flushed && Values.ulps(expected, out[i]) > VectorMath.EXP_ULPS) {
                    throw new AssertionError("expNonPositive(" + ds[i] + ") = " + out[i] + ", reference " + expected
                            + ", lane " + i % Simd.LANES + " of vector " + i / Simd.LANES);
                }
            }
        });
    }

    /** Every edge value in every lane position, so that each goes through the vector body. */
    @Test
    void edgeValuesAreWithinTheirUlpsInEveryLane() {
        int n = EDGES.length * Simd.LANES;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = EDGES[(i / Simd.LANES + i) % EDGES.length];
        }
        check("exp", VectorMath.EXP_ULPS, n, 0, 0, xs, false);
        check("tanh", VectorMath.TANH_ULPS, n, 0, 0, xs, false);
        check("sigmoid", VectorMath.SIGMOID_ULPS, n, 0, 0, xs, false);
    }

    /**
     * An element's result does not depend on how many elements the call takes: {@code f} over
     * {@code x[0, n)} gives element i the same bits for every {@code n > i}, whether i lands in the
     * vector body or the tail (a model's row must not change with the batch's padded length).
     */
    @Test
    void anElementsBitsDoNotDependOnTheLength() {
        RandomTrials.run(20, rnd -> {
            int max = 3 * Simd.LANES, off = Values.offset(rnd);
            float[] xs = inputs(Values.pick(rnd, Inputs.values()), max, rnd);
            for (String fn : new String[]{"exp", "tanh", "sigmoid"}) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment x = Segments.floats(arena, off, xs);
                    MemorySegment whole = Segments.floats(arena, off, new float[max]);
                    apply(VECTOR, fn, max, x, off, whole, off);
                    float[] expected = Segments.read(whole, off, max);
                    for (int n = 1; n <= max; n++) {
                        MemorySegment part = Segments.floats(arena, off, new float[max]);
                        apply(VECTOR, fn, n, x, off, part, off);
                        float[] actual = Segments.read(part, off, max);
                        for (int i = 0; i < max; i++) {
                            int want = i < n ? Float.floatToRawIntBits(expected[i]) : 0;
                            if (Float.floatToRawIntBits(actual[i]) != want) {
                                throw new AssertionError(fn + "(" + xs[i] + ") over " + n + " elements: element " + i
                                        + " is " + actual[i] + ", over " + max + " it is " + expected[i]
                                        + (i >= n ? " (past n: must stay untouched)" : ""));
                            }
                        }
                    }
                }
            }
        });
    }

    /** 300 trials of {@code fn}: any length, offsets and inputs. */
    private static void checkTrials(String fn, int ulps) {
        RandomTrials.run(300, rnd -> {
            int n = Values.size(rnd), xOff = Values.offset(rnd), outOff = Values.offset(rnd);
            check(fn, ulps, n, xOff, outOff, inputs(Values.pick(rnd, Inputs.values()), n, rnd), false);
        });
    }

    private static void check(String fn, int ulps, int n, int xOff, int outOff, float[] xs, boolean inPlace) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = Segments.floats(arena, xOff, xs);
            MemorySegment s = Segments.floats(arena, outOff, new float[n]);
            MemorySegment v = inPlace ? x : Segments.floats(arena, outOff, new float[n]);
            apply(SCALAR, fn, n, x, xOff, s, outOff);
            apply(VECTOR, fn, n, x, xOff, v, inPlace ? xOff : outOff);
            float[] expected = Segments.read(s, outOff, n), actual = Segments.read(v, inPlace ? xOff : outOff, n);
            for (int i = 0; i < n; i++) {
                // sigmoid flushes results below 2^-126 to +0, as VectorMath states
                boolean flushed = fn.equals("sigmoid") && expected[i] < 0x1p-126f
                        && Float.floatToRawIntBits(actual[i]) == 0;
                long err = flushed ? 0 : Values.ulps(expected[i], actual[i]);
                if (err > ulps) {
                    throw new AssertionError(fn + "(" + xs[i] + ") = " + actual[i] + ", reference " + expected[i]
                            + ": " + (err == Long.MAX_VALUE ? "NaN mismatch" : err + " ulps") + " > " + ulps
                            + "; element " + i + " of " + n + " at offsets " + xOff + ", " + outOff
                            + (inPlace ? " in place" : ""));
                }
                if (fn.equals("tanh") && !Float.isNaN(xs[i])) {
                    // tanh is odd: the sign of a zero or tiny input survives
                    float in = xs[i];
                    assertEquals(Math.copySign(1f, in), Math.copySign(1f, actual[i]), () -> "sign of tanh(" + in + ")");
                }
            }
        }
    }

    private static void apply(Kernels k, String fn, int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        switch (fn) {
            case "exp" -> k.exp(n, x, xOff, out, outOff);
            case "tanh" -> k.tanh(n, x, xOff, out, outOff);
            case "sigmoid" -> k.sigmoid(n, x, xOff, out, outOff);
            default -> throw new IllegalArgumentException(fn);
        }
    }

    private static float[] inputs(Inputs inputs, int n, SplittableRandom rnd) {
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = switch (inputs) {
                case ANY_BITS -> Float.intBitsToFloat(rnd.nextInt());
                case EXP_RANGE -> (float) rnd.nextDouble(-110, 110);
                case ACTIVATION_RANGE -> (float) rnd.nextDouble(-12, 12);
                case SMALL ->
                    (float) ((rnd.nextBoolean() ? 1 : -1) * Math.scalb(1 + rnd.nextDouble(), rnd.nextInt(-30, 1)));
                case EDGES -> EDGES[rnd.nextInt(EDGES.length)];
            };
        }
        return xs;
    }
}
