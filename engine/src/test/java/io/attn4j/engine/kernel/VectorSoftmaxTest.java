package io.attn4j.engine.kernel;

import static io.attn4j.engine.testing.Values.EPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.internal.scalar.ScalarKernels;
import io.attn4j.engine.internal.vector.VectorMath;
import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.engine.testing.Segments;
import io.attn4j.engine.testing.TestKernels;
import io.attn4j.engine.testing.Values;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * softmaxRows and logSumExp of the vector kernels against the exact softmax of the rounded
 * scores, against the reference, and against themselves shifted by a constant.
 *
 * <p>Bound per output (the one {@link Kernels#softmaxRows} states): with z and d = z - max z
 * rounded to float as written, e_c = exp(d_c)(1 + a_c) with |a_c| <= u (u = 3 eps for a 1 ulp exp:
 * 1 ulp plus the reference's half ulp, an ulp being at most 2 eps relative); the sum of the
 * positive e adds at most (cols - 1) eps relative; 1/s and e * (1/s) one eps each: relative error
 * (cols + 1) eps + 2u to first order (x 1.01 for the rest), plus 2^-126 absolute: the vector exp
 * flushes terms below 2^-126 to zero, which the division by s >= 1 cannot enlarge.
 */
@Tag("vector-width")
class VectorSoftmaxTest {
    private static final Kernels VECTOR = TestKernels.vector();
    private static final Kernels SCALAR = TestKernels.scalar();
    private static final double VECTOR_EXP_ERR = (2 * VectorMath.EXP_ULPS + 1) * EPS;
    private static final double SCALAR_EXP_ERR = EPS * (1 + 0x1p-20);
    private static final double UNDERFLOW = 0x1p-126;
    private static final float[] SCALES = {1f, 0.125f, -0.5f, 0.3f, 1.7f};

    enum Scores {
        /** N(0, 1). */
        NORMAL,
        /** N(0, 1e4): exp(z - max) under/overflows unless max is subtracted. */
        WIDE,
        /** N(0, 1) with a fifth at -1e30. */
        NEG_HUGE,
        /** N(0, 1) with a fifth at -inf, and a fifth of the rows all -inf. */
        NEG_INF,
        /** A NaN or +inf in most rows, among N(0, 1) or -inf: those rows are NaN. */
        NON_FINITE
    }

    enum Masking {
        NONE, ADDITIVE, ADDITIVE_BROADCAST, EXCLUDED, EXCLUDED_BROADCAST, BOTH, ALL_EXCLUDED
    }

    @Test
    void rowsMatchTheExactSoftmaxAndTheReference() {
        RandomTrials.run(250, rnd -> {
            int cols = cols(rnd), rows = rnd.nextInt(1, 5);
            float scale = SCALES[rnd.nextInt(SCALES.length)];
            Scores scores = Values.pick(rnd, Scores.values());
            Masking masking = Values.pick(rnd, Masking.values());
            boolean inPlace = rnd.nextBoolean();
            Layout l = Layout.random(rows, cols, rnd);
            float[] xs = new float[l.xSize()];
            for (int r = 0; r < rows; r++) {
                fillRow(xs, l.xOff + r * l.ldx, cols, scores, rnd);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = Segments.floats(arena, 0, xs);
                SoftmaxMask mask = l.mask(arena, masking, rnd);
                MemorySegment s = Segments.floats(arena, 0, new float[l.outSize()]);
                SCALAR.softmaxRows(rows, cols, scale, x, l.xOff, l.ldx, mask, s, l.outOff, l.ldo);
                MemorySegment v;
                long vOff, vLd;
                if (inPlace) {
                    v = Segments.copy(arena, x);
                    vOff = l.xOff;
                    vLd = l.ldx;
                } else {
                    v = Segments.floats(arena, 0, new float[l.outSize()]);
                    vOff = l.outOff;
                    vLd = l.ldo;
                }
                VECTOR.softmaxRows(rows, cols, scale, inPlace ? v : x, l.xOff, l.ldx, mask, v, vOff, vLd);
                String of = " in " + l + ", scale " + scale + ", " + scores + ", mask " + masking
                        + (inPlace ? ", in place" : "");
                for (int r = 0; r < rows; r++) {
                    checkRow(r, cols, scale, x, l.xOff + r * l.ldx, mask,
                            Segments.read(v, vOff + r * vLd, cols), Segments.read(s, l.outOff + r * l.ldo, cols), of);
                }
            }
        });
    }

    @Test
    void addingAConstantToARowChangesNothing() {
        RandomTrials.run(150, rnd -> {
            int cols = cols(rnd);
            boolean wide = rnd.nextBoolean(), additive = rnd.nextBoolean();
            int scaleLog2 = rnd.nextInt(-3, 2);
            // Scores on a grid of 2^-6 with |x| + |shift| < 2^17, a power-of-two scale, an additive mask
            // on the same grid: x + shift, scale * x and z - max are exact, so d = z - max z is the
            // same float for both rows and both outputs are within the bound of the same softmax.
            float shift = (float) (rnd.nextInt(-64_000, 64_000) * 0x1p-6);
            float scale = (float) Math.scalb(1.0, scaleLog2);
            float[] xs = new float[cols], shifted = new float[cols], add = new float[cols];
            for (int c = 0; c < cols; c++) {
                double g = rnd.nextGaussian() * (wide ? 1e4 : 3);
                xs[c] = (float) (Math.rint(Math.max(-1e5, Math.min(1e5, g)) * 64) / 64);
                shifted[c] = xs[c] + shift;
                add[c] = rnd.nextInt(8) == 0 ? Float.NEGATIVE_INFINITY : (float) (rnd.nextInt(-256, 256) * 0x1p-6);
            }
            try (Arena arena = Arena.ofConfined()) {
                SoftmaxMask mask = additive ? SoftmaxMask.additive(Segments.floats(arena, 0, add), 0, 0) : null;
                MemorySegment a = Segments.floats(arena, 0, xs), b = Segments.floats(arena, 0, shifted);
                VECTOR.softmaxRows(1, cols, scale, a, 0, cols, mask, a, 0, cols);
                VECTOR.softmaxRows(1, cols, scale, b, 0, cols, mask, b, 0, cols);
                float[] pa = Segments.read(a, 0, cols), pb = Segments.read(b, 0, cols);
                double rel = 2 * 1.01 * ((cols + 1) * EPS + 2 * VECTOR_EXP_ERR);
                for (int c = 0; c < cols; c++) {
                    assertTrue(Math.abs(pa[c] - pb[c]) <= rel * Math.abs(pa[c]) + 2 * UNDERFLOW,
                            "column " + c + " of " + cols + ": " + pa[c] + " vs " + pb[c] + " after adding " + shift
                                    + ", scale " + scale + (wide ? ", wide" : "")
                                    + (additive ? ", additive mask" : ""));
                }
            }
        });
    }

    @Test
    void logSumExpMatchesTheExactValueAndTheReference() {
        RandomTrials.run(300, rnd -> {
            int n = cols(rnd), off = rnd.nextInt(0, 18);
            Scores scores = Values.pick(rnd, Scores.values());
            float[] xs = new float[off + n];
            fillRow(xs, off, n, scores, rnd);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = Segments.floats(arena, 0, xs);
                float v = VECTOR.logSumExp(n, x, off), s = SCALAR.logSumExp(n, x, off);
                float max = SCALAR.max(n, x, off);
                String of = " of " + n + " " + scores + " at offset " + off;
                if (Float.isNaN(max) || Float.isInfinite(max)) {
                    assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(v),
                            "logSumExp" + of + " with max " + max);
                    return;
                }
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += Math.exp(xs[off + i] - max); // the float difference, as both implementations
                }
                double exact = max + Math.log(sum);
                // The sum: (n - 1) eps plus u relative, hence as much absolute after the log; the
                // rounding of log s and of max + log s: eps |log s| and eps |result|.
                double bound = 1.01 * ((n - 1) * EPS + VECTOR_EXP_ERR + EPS * Math.log(sum) + EPS * Math.abs(exact));
                assertTrue(Math.abs(v - exact) <= bound,
                        "vector logSumExp " + v + ", exact " + exact + ", bound " + bound + of);
                assertTrue(Math.abs(v - s) <= 2 * bound, "vector " + v + " vs reference " + s + of);
            }
        });
    }

    /** A row length: any of {@link Values#size} but 0, which has no row to normalize. */
    private static int cols(SplittableRandom rnd) {
        int cols;
        do {
            cols = Values.size(rnd);
        } while (cols == 0);
        return cols;
    }

    private static void fillRow(float[] xs, int from, int n, Scores scores, SplittableRandom rnd) {
        // NEG_INF: some rows all -inf (fully masked); NON_FINITE: a NaN or a +inf in N(0, 1) or
        // in an all -inf row (where only the NaN or +inf is kept), or neither
        int kind = rnd.nextInt(5);
        boolean allNegInf = scores == Scores.NEG_INF ? kind == 0 : scores == Scores.NON_FINITE && kind >= 2;
        for (int c = 0; c < n; c++) {
            double g = rnd.nextGaussian();
            xs[from + c] = allNegInf ? Float.NEGATIVE_INFINITY : switch (scores) {
                case NORMAL, NON_FINITE -> (float) g;
                case WIDE -> (float) (1e4 * g);
                case NEG_HUGE -> rnd.nextInt(5) == 0 ? -1e30f : (float) g;
                case NEG_INF -> rnd.nextInt(5) == 0 ? Float.NEGATIVE_INFINITY : (float) g;
            };
        }
        if (scores == Scores.NON_FINITE && kind != 4 && n > 0) {
            xs[from + rnd.nextInt(n)] = kind % 2 == 0 ? Float.NaN : Float.POSITIVE_INFINITY;
        }
    }

    /**
     * One row: the kept scores z as the contract writes them, then the expected shape (all NaN,
     * all zero, or the softmax of d = z - max z) for both outputs.
     */
    private static void checkRow(int r, int cols, float scale, MemorySegment x, long xRow, SoftmaxMask mask,
            float[] v, float[] s, String of) {
        float[] z = new float[cols];
        float max = Float.NEGATIVE_INFINITY;
        boolean nan = false;
        for (int c = 0; c < cols; c++) {
            z[c] = ScalarKernels.maskedScore(mask, r, c,
                    scale * x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, xRow + c));
            nan |= Float.isNaN(z[c]);
            max = Math.max(max, z[c]);
        }
        if (nan || max == Float.POSITIVE_INFINITY || max == Float.NEGATIVE_INFINITY) {
            float expected = nan || max == Float.POSITIVE_INFINITY ? Float.NaN : 0f;
            String why = ", max " + max + ", NaN " + nan + of;
            for (int c = 0; c < cols; c++) {
                int col = c;
                assertEquals(expected, v[c], () -> "row " + r + " column " + col + " (vector)" + why);
                assertEquals(expected, s[c], () -> "row " + r + " column " + col + " (reference)" + why);
            }
            return;
        }
        double[] e = new double[cols];
        double sum = 0;
        for (int c = 0; c < cols; c++) {
            e[c] = Math.exp(z[c] - max);
            sum += e[c];
        }
        double rowV = 0;
        double relV = 1.01 * ((cols + 1) * EPS + 2 * VECTOR_EXP_ERR) + cols * 0x1p-52;
        double relS = 1.01 * ((cols + 1) * EPS + 2 * SCALAR_EXP_ERR) + cols * 0x1p-52;
        for (int c = 0; c < cols; c++) {
            double exact = e[c] / sum;
            int col = c;
            assertTrue(Math.abs(v[c] - exact) <= relV * exact + UNDERFLOW,
                    () -> "row " + r + " column " + col + ": vector " + v[col] + ", exact " + exact + of);
            assertTrue(Math.abs(v[c] - s[c]) <= (relV + relS) * exact + 2 * UNDERFLOW,
                    () -> "row " + r + " column " + col + ": vector " + v[col] + ", reference " + s[col] + of);
            if (z[c] == Float.NEGATIVE_INFINITY) {
                assertEquals(0f, v[c], () -> "excluded column " + col + " of row " + r + of);
            }
            rowV += v[c];
        }
        // sum |v - exact| <= relV * sum exact + cols * UNDERFLOW, and sum exact = 1
        assertTrue(Math.abs(rowV - 1) <= relV + cols * UNDERFLOW, "row " + r + " sums to " + rowV + of);
    }

    /** Offsets, leading dimensions and masks of one case. */
    private record Layout(int rows, int cols, int xOff, int ldx, int outOff, int ldo) {
        static Layout random(int rows, int cols, SplittableRandom rnd) {
            return new Layout(rows, cols, rnd.nextInt(0, 9), cols + rnd.nextInt(0, 4), rnd.nextInt(0, 9),
                    cols + rnd.nextInt(0, 4));
        }

        int xSize() {
            return xOff + (rows - 1) * ldx + cols;
        }

        int outSize() {
            return outOff + (rows - 1) * ldo + cols;
        }

        SoftmaxMask mask(Arena arena, Masking masking, SplittableRandom rnd) {
            boolean broadcast = masking == Masking.ADDITIVE_BROADCAST || masking == Masking.EXCLUDED_BROADCAST;
            int maskRows = broadcast ? 1 : rows;
            int ld = broadcast ? 0 : cols + rnd.nextInt(0, 4), off = rnd.nextInt(0, 9);
            SoftmaxMask additive = null;
            if (masking == Masking.ADDITIVE || masking == Masking.ADDITIVE_BROADCAST || masking == Masking.BOTH) {
                float[] a = new float[off + (maskRows - 1) * ld + cols];
                for (int i = off; i < a.length; i++) {
                    a[i] = switch (rnd.nextInt(10)) {
                        case 0, 1 -> Float.NEGATIVE_INFINITY;
                        case 2 -> -1e9f;
                        case 3, 4 -> (float) rnd.nextGaussian();
                        default -> 0f;
                    };
                }
                additive = SoftmaxMask.additive(Segments.floats(arena, 0, a), off, ld);
            }
            if (masking == Masking.ADDITIVE || masking == Masking.ADDITIVE_BROADCAST || masking == Masking.NONE) {
                return additive;
            }
            int exOff = rnd.nextInt(0, 9);
            byte[] ex = new byte[exOff + (maskRows - 1) * ld + cols];
            double p = masking == Masking.ALL_EXCLUDED ? 1 : new double[]{0.05, 0.5, 0.95}[rnd.nextInt(3)];
            for (int i = exOff; i < ex.length; i++) {
                ex[i] = rnd.nextDouble() < p ? (byte) (1 + rnd.nextInt(255)) : 0; // any non-zero byte excludes
            }
            MemorySegment bytes = Segments.bytes(arena, 0, ex);
            return additive == null ? SoftmaxMask.excluded(bytes, exOff, ld) : additive.withExcluded(bytes, exOff, ld);
        }
    }
}
