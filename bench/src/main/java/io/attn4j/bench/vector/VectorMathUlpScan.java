package io.attn4j.bench.vector;

import io.attn4j.engine.internal.vector.Simd;
import io.attn4j.engine.internal.vector.VectorMath;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;

/**
 * Measures the error bounds that {@link VectorMath} states: runs exp, tanh or sigmoid over every
 * one of the 2^32 float bit patterns (expNonPositive over the 2^31 with the sign bit set, where
 * it is defined) and prints the largest distance, in representable floats, from {@link Math}
 * evaluated in double and rounded to float, with a histogram of distances 0..6 and 7+. For
 * expNonPositive and sigmoid, a +0 where the reference is below 2^-126 counts as exact (their
 * stated flush). About three minutes per function on one core.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp ... io.attn4j.bench.VectorMathUlpScan exp|expNonPositive|tanh|sigmoid</pre>
 */
public final class VectorMathUlpScan {
    private VectorMathUlpScan() {
    }

    public static void main(String[] args) {
        String fn = args.length == 1 ? args[0] : "";
        UnaryOperator<FloatVector> vector = switch (fn) {
            case "exp" -> VectorMath::exp;
            case "expNonPositive" -> VectorMath::expNonPositive;
            case "tanh" -> VectorMath::tanh;
            case "sigmoid" -> VectorMath::sigmoid;
            default -> throw new IllegalArgumentException("usage: VectorMathUlpScan exp|expNonPositive|tanh|sigmoid");
        };
        DoubleUnaryOperator reference = switch (fn) {
            case "exp", "expNonPositive" -> Math::exp;
            case "tanh" -> Math::tanh;
            default -> d -> 1.0 / (1.0 + Math.exp(-d));
        };
        float[] in = new float[4096], out = new float[4096];
        long[] histogram = new long[8];
        long worst = -1;
        float worstX = Float.NaN;
        boolean flushes = fn.equals("expNonPositive") || fn.equals("sigmoid");
        boolean negativeOnly = fn.equals("expNonPositive");
        for (long bits = negativeOnly ? 1L << 31 : 0; bits < 1L << 32;) {
            for (int i = 0; i < in.length; i++, bits++) {
                in[i] = Float.intBitsToFloat((int) bits);
            }
            for (int i = 0; i < in.length; i += Simd.LANES) {
                vector.apply(FloatVector.fromArray(Simd.SPECIES, in, i)).intoArray(out, i);
            }
            for (int i = 0; i < in.length; i++) {
                float expected = (float) reference.applyAsDouble(in[i]);
                long d = flushes && expected < 0x1p-126f && out[i] == 0f ? 0 : ulps(out[i], expected);
                histogram[(int) Math.min(d, 7)]++;
                if (d > worst) {
                    worst = d;
                    worstX = in[i];
                }
            }
        }
        System.out.printf("%s at %d bits: max %d ulp(s), first at x = %s; floats at distance 0..6, 7+: %s%n",
                fn, Simd.bits(), worst, Float.toHexString(worstX), java.util.Arrays.toString(histogram));
    }

    /** Representable floats between a and b (+0 and -0 are one point); both NaN: 0; one NaN: max. */
    private static long ulps(float a, float b) {
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
