package io.attn4j.engine.internal.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * exp, tanh and sigmoid of every lane of a {@link FloatVector}, for the element-wise kernels,
 * softmax and log-sum-exp of {@link VectorKernels}. Any species works; the kernels pass
 * {@link Simd#SPECIES}. (Not to be confused with {@code jdk.incubator.vector.VectorMath}, an unrelated
 * class of the same simple name: import this one by its full name.)
 *
 * <h2>Error bounds</h2>
 * Measured over every float input (all 2^32 bit patterns; for expNonPositive the 2^31 with the
 * sign bit set) by {@code VectorMathUlpScan} in the bench module, against {@link Math#exp} and
 * {@link Math#tanh} evaluated in double and rounded to float, counting the representable floats
 * between the two results (1 ulp: the rounded reference's neighbour; subnormals count in
 * subnormal ulps): exp at most {@value #EXP_ULPS} ulp, expNonPositive {@value #EXP_ULPS} ulp,
 * tanh {@value #TANH_ULPS} ulp, sigmoid {@value #SIGMOID_ULPS} ulps; besides, expNonPositive and
 * sigmoid may return +0 where the result is below 2^-126 (they flush most subnormal results: for
 * arguments below -87.6). Special values: exp(-inf) = 0, exp(+inf) = +inf, overflow to +inf
 * above ln(Float.MAX_VALUE) = 88.72284; tanh(+-0) = +-0, tanh(+-inf) = +-1; sigmoid(-inf) = 0,
 * sigmoid(+inf) = 1; NaN gives NaN.
 *
 * <h2>Which exp: {@code VectorOperators.EXP} or a polynomial</h2>
 * Over the whole float range, with overflow and subnormal results to get right (clamps, zeroing
 * of the lanes that would underflow, a two-step scaling by 2^n), the polynomial and
 * {@code lanewise(EXP)} (SVML on x86) are within noise of each other, and both within 1 ulp.
 * {@link #exp} stays the polynomial: it is plain inline code, where the operator is a call into
 * a native routine that, like any call, leaves no vector register live across it, so a loop that
 * keeps accumulators around the exp (the fused attention's online softmax) would spill them;
 * and it does not depend on the JVM having SVML (without it, {@code lanewise(EXP)} falls back to
 * {@link Math#exp} per lane). For the arguments {@code d <= 0} of softmax, log-sum-exp, tanh and
 * sigmoid, nothing overflows and flushing results below 2^-126 to zero is harmless, so
 * {@link #expNonPositive} drops the clamps and scales by 2^n in one multiply, which is faster.
 * The measurements ({@code ExpChoiceBenchmark}) are in {@code docs/performance-notes.md}.
 */
public final class VectorMath {
    /** Largest error of {@link #exp} and of {@link #expNonPositive} in ulps, over all float inputs. */
    public static final int EXP_ULPS = 1;
    /** Largest error of {@link #tanh} in ulps, over all float inputs. */
    public static final int TANH_ULPS = 1;
    /** Largest error of {@link #sigmoid} in ulps, over all float inputs. */
    public static final int SIGMOID_ULPS = 2;

    private static final float LOG2E = 1.4426950216293335f;
    /** ln 2 = LN2_HI + LN2_LO; with an FMA, x - n * LN2_HI is exact for |n| <= 151. */
    private static final float LN2_HI = 0.6931471824645996f;
    private static final float LN2_LO = -1.9046542121259336e-09f;
    /** 1.5 * 2^23: adding it to |y| < 2^22 and subtracting it again rounds y to an integer. */
    private static final float SHIFTER = 0x1.8p23f;
    /** e^88.8 overflows to +inf; e^x < 2^-150 rounds to +0 below -150 ln2 = -103.97208. */
    private static final float EXP_HI = 88.8f;
    private static final float EXP_ZERO = -104f;
    /**
     * expNonPositive flushes below this: n = round(d log2e) >= -126 above it, so 2^n is a normal
     * float; and e^-87.6 < 2^-126, so what it flushes is below the normal range.
     */
    private static final float EXP_FLUSH_BELOW = -87.6f;
    /** Where expNonPositive computes the lanes it flushes: n = round(-88 log2e) = -127. */
    private static final float FLUSHED = -88f;
    /**
     * e^r ~ 1 + r + E2 r^2 + ... + E6 r^6 on |r| <= ln2/2 + 2e-4: minimax of the relative error
     * (Lawson's iteration on a fine grid), 0.05 * 2^-24 before rounding the coefficients to float.
     */
    private static final float E2 = 0.4999999403953552f;
    private static final float E3 = 0.1666651964187622f;
    private static final float E4 = 0.04166839271783829f;
    private static final float E5 = 0.008368751034140587f;
    private static final float E6 = 0.0013814530102536082f;

    /** Below this |x|, tanh uses its odd polynomial; above, the exp formula loses < 1 ulp. */
    private static final float TANH_POLY_LIMIT = 0.625f;
    /**
     * tanh(x) ~ x + x^3 (T3 + T5 x^2 + ... + T13 x^10) on |x| <= 0.625: minimax of the relative
     * error, 0.003 * 2^-24 before rounding the coefficients to float.
     */
    private static final float T3 = -0.3333333134651184f;
    private static final float T5 = 0.1333320587873459f;
    private static final float T7 = -0.05394676327705383f;
    private static final float T9 = 0.021700702607631683f;
    private static final float T11 = -0.008177396841347218f;
    private static final float T13 = 0.0021429602056741714f;

    private VectorMath() {
    }

    /**
     * {@code e^x} in every lane, within {@value #EXP_ULPS} ulp over the whole float range,
     * subnormal results included. One inline body: no call, nothing but the Vector API inside.
     */
    public static FloatVector exp(FloatVector x) {
        // Lanes below EXP_ZERO (-inf included) compute e^0 and are zeroed at the end: letting
        // them underflow costs a microcode assist per multiply on x86, which doubled the time of
        // a softmax row with masked (-inf) entries. Above EXP_HI, e^EXP_HI overflows already.
        // Compares with NaN are false, so NaN passes through to the result.
        VectorMask<Float> zero = x.compare(VectorOperators.LT, EXP_ZERO);
        FloatVector xc = x.blend(0f, zero).blend(EXP_HI, x.compare(VectorOperators.GT, EXP_HI));
        // x = n ln2 + r, n = round(x log2e) by the shifter; r by Cody
        // and Waite's two-part ln 2; e^r by the polynomial (Horner)
        FloatVector t = xc.fma(LOG2E, SHIFTER);
        FloatVector n = t.sub(SHIFTER);
        FloatVector r = n.fma(n.broadcast(-LN2_HI), xc);
        r = n.fma(n.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(E6, E5);
        p = p.fma(r, p.broadcast(E4));
        p = p.fma(r, p.broadcast(E3));
        p = p.fma(r, p.broadcast(E2));
        p = p.fma(r, p.broadcast(1f));
        p = p.fma(r, p.broadcast(1f));
        // 2^n for n in [-150, 128] in two normal factors 2^(n>>1) 2^(n-(n>>1)): the last multiply
        // rounds once into the subnormals or overflows to +inf
        IntVector k = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k.sub(k1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2).blend(0f, zero);
    }

    /**
     * {@code e^d} for {@code d <= 0} or NaN, the arguments of softmax and log-sum-exp after the
     * maximum is subtracted: within {@value #EXP_ULPS} ulp for {@code d >= -87.6}, +0 below
     * (where {@code e^d < 2^-126}: most subnormal results are flushed). Cheaper than {@link #exp}: no
     * overflow to handle, and one multiply by {@code 2^n}, as n stays in the normal range.
     */
    public static FloatVector expNonPositive(FloatVector d) {
        // below EXP_FLUSH_BELOW, d becomes FLUSHED, whose n = -127 puts 0 in the exponent field: 2^n = +0
        FloatVector dc = d.blend(FLUSHED, d.compare(VectorOperators.LT, EXP_FLUSH_BELOW));
        // d = n ln2 + r, n = round(d log2e) by the shifter; r by
        // Cody and Waite's two-part ln 2; e^r by the polynomial (Horner)
        FloatVector t = dc.fma(LOG2E, SHIFTER);
        FloatVector n = t.sub(SHIFTER);
        FloatVector r = n.fma(n.broadcast(-LN2_HI), dc);
        r = n.fma(n.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(E6, E5);
        p = p.fma(r, p.broadcast(E4));
        p = p.fma(r, p.broadcast(E3));
        p = p.fma(r, p.broadcast(E2));
        p = p.fma(r, p.broadcast(1f));
        p = p.fma(r, p.broadcast(1f));
        // 2^n: n + 127 in the exponent field
        FloatVector pow2n = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return p.mul(pow2n);
    }

    /**
     * {@code tanh(x)} in every lane, within {@value #TANH_ULPS} ulp: for {@code |x| < 0.625} the
     * odd polynomial {@code x + x^3 P(x^2)} (the exp formula would cancel there), else
     * {@code 1 - 2q / (1 + q)} with {@code q = e^(-2|x|) <= 1}, given the sign of x. It saturates
     * by itself: above 9.01 the formula rounds to 1, and where q flushes to 0, it is exactly 1.
     */
    public static FloatVector tanh(FloatVector x) {
        // the exp first: see VectorAccess on the order of calls in a big vector expression
        FloatVector a = x.abs();
        FloatVector q = expNonPositive(a.mul(-2f));
        FloatVector large = q.broadcast(1f).sub(q.add(q).div(q.add(1f)));
        large = large.blend(large.neg(), x.compare(VectorOperators.LT, 0f));
        FloatVector x2 = x.mul(x);
        FloatVector p = x2.fma(T13, T11);
        p = p.fma(x2, p.broadcast(T9));
        p = p.fma(x2, p.broadcast(T7));
        p = p.fma(x2, p.broadcast(T5));
        p = p.fma(x2, p.broadcast(T3));
        FloatVector small = p.mul(x2).fma(x, x);
        // x + x^3 P(x^2) is +0 for x = -0: zeros are returned as they are
        return large.blend(small, a.compare(VectorOperators.LT, TANH_POLY_LIMIT)).blend(x,
                x.compare(VectorOperators.EQ, 0f));
    }

    /**
     * {@code 1 / (1 + e^-x)} in every lane, within {@value #SIGMOID_ULPS} ulps, or +0 for
     * {@code x < -87.6} (results below {@code 2^-126}), as {@code 1 / (1 + e)} for
     * {@code x >= 0} and {@code e / (1 + e)} for {@code x < 0}, with {@code e = e^-|x| <= 1}: no
     * overflow, and for negative x the relative accuracy of {@code e^x}.
     */
    public static FloatVector sigmoid(FloatVector x) {
        FloatVector e = expNonPositive(x.abs().neg());
        FloatVector numerator = e.broadcast(1f).blend(e, x.compare(VectorOperators.LT, 0f));
        return numerator.div(e.add(1f));
    }
}
