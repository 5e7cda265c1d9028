package io.attn4j.engine.testing;

import io.attn4j.engine.internal.vector.Simd;

import java.util.SplittableRandom;

/** Generated sizes, offsets and float contents for the vector-versus-scalar properties. */
public final class Values {
    public static final double EPS = 0x1p-24;
    /** Half the smallest subnormal: the most one rounding into the subnormals can lose. */
    public static final double UNDERFLOW = 0x1p-150;
    /** The longest length drawn. */
    public static final int MAX_SIZE = 5000;
    /**
     * Lengths that reach every path of a kernel: empty, shorter than a vector, one lane either
     * side of one and of an unrolled block, odd primes, and the longest drawn.
     */
    private static final int[] SIZE_EDGES = sizeEdges();

    /** What the floats of an operand look like. */
    public enum Kind {
        /** N(0, 1). */
        NORMAL,
        /** Magnitudes 2^-20 .. 2^20, both signs. */
        WIDE,
        /** Integers in [-8, 8]: sums and dots of a few thousand of them are exact in any order. */
        INTEGERS,
        /** N(0, 1) with +-0, subnormals, huge values, and in some arrays a few NaN and +-inf. */
        SPECIAL
    }

    private Values() {
    }

    private static int[] sizeEdges() {
        int l = Simd.LANES;
        return new int[]{0, 1, 2, 3, 7, 13, 31, 97, 207, 1021, 4099,
                l - 1, l, l + 1, 2 * l - 1, 4 * l - 1, 4 * l, 4 * l + 1, 8 * l + 3, 17 * l - 1, MAX_SIZE};
    }

    /**
     * An edge length three times in five, else any length in [0, MAX_SIZE]: the edges are drawn
     * often on purpose, since a random length rarely lands on one.
     */
    public static int size(SplittableRandom rnd) {
        return rnd.nextInt(5) < 3 ? SIZE_EDGES[rnd.nextInt(SIZE_EDGES.length)] : rnd.nextInt(0, MAX_SIZE + 1);
    }

    /** An element offset: data starts anywhere relative to a vector (segments are 64-byte aligned). */
    public static int offset(SplittableRandom rnd) {
        return rnd.nextInt(0, 2 * Simd.LANES + 2);
    }

    /** One of {@code values}, each equally likely. */
    public static <T> T pick(SplittableRandom rnd, T[] values) {
        return values[rnd.nextInt(values.length)];
    }

    /**
     * {@code n} floats of the given kind; {@code huge} caps SPECIAL's large magnitudes, so that a
     * caller can keep partial sums or products finite.
     */
    public static float[] of(Kind kind, int n, SplittableRandom rnd, float huge) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (kind) {
                case NORMAL -> (float) rnd.nextGaussian();
                case WIDE -> (float) (sign(rnd) * Math.scalb(1 + rnd.nextDouble(), rnd.nextInt(-20, 21)));
                case INTEGERS -> rnd.nextInt(-8, 9);
                case SPECIAL -> special(rnd, huge);
            };
        }
        if (kind == Kind.SPECIAL && n > 0 && rnd.nextBoolean()) {
            float[] nonFinite = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            for (int k = rnd.nextInt(1, 3); k > 0; k--) {
                v[rnd.nextInt(n)] = nonFinite[rnd.nextInt(nonFinite.length)];
            }
        }
        return v;
    }

    private static float special(SplittableRandom rnd, float huge) {
        return switch (rnd.nextInt(12)) {
            case 0 -> 0f;
            case 1 -> -0f;
            case 2 -> sign(rnd) * Float.MIN_VALUE * rnd.nextInt(1, 1 << 23); // subnormal
            case 3 -> (float) (sign(rnd) * huge * rnd.nextDouble(0.5, 1));
            default -> (float) rnd.nextGaussian();
        };
    }

    private static int sign(SplittableRandom rnd) {
        return rnd.nextBoolean() ? 1 : -1;
    }

    /**
     * Distance in representable floats between {@code a} and {@code b} ({@code +0} and {@code -0}
     * count as one point); 0 when both are NaN, {@link Long#MAX_VALUE} when only one is.
     */
    public static long ulps(float a, float b) {
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Float.isNaN(a) && Float.isNaN(b) ? 0 : Long.MAX_VALUE;
        }
        return Math.abs(ordinal(a) - ordinal(b));
    }

    private static long ordinal(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits >= 0 ? bits : -(long) (bits & 0x7fffffff);
    }
}
