package io.attn4j.engine.internal.vector;

import static io.attn4j.engine.testing.Values.EPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.internal.AttentionTiles;
import io.attn4j.engine.internal.scalar.ScalarTiles;
import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.engine.testing.Segments;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The vector tile kernels against the scalar ones, at every width, over sizes that hit every
 * tail: rows 1 to 20 (row groups and the rows left over), keys 1 to 100 (whole and cut slivers,
 * runs of attended keys of odd and even lengths), features 1 to 80 (1 to 300 for the direct
 * scores, rows packed or strided), value widths 1 to 149 (past eight vectors at 512 bits). The packed score tile and both P V steps compute each
 * output as the same FMA chain in the same order as the scalar kernels, so they must agree
 * exactly; the direct scores add the lanes of four chains, within {@code (d + 1) eps |scale| sum |q k|}
 * of the scalar dot; the softmax update's p within its exp's 1 ulp of the scalar one's
 * correctly rounded exp (2 ulps apart at most, or both below 2^-126), its sum within
 * {@code n eps} relative plus those ulps.
 */
@Tag("vector-width")
class VectorTilesTest {
    private static final AttentionTiles VECTOR = new VectorTiles();
    private static final AttentionTiles SCALAR = ScalarTiles.INSTANCE;

    private static float[] gaussian(SplittableRandom rnd, int n, double sd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (sd * rnd.nextGaussian());
        }
        return x;
    }

    private static int roundUp(int x, int q) {
        return (x + q - 1) / q * q;
    }

    @Test
    void scoreTilesEqualTheScalarOnesBitForBit() {
        RandomTrials.run(300, rnd -> {
            int rows = rnd.nextInt(1, 21), n = rnd.nextInt(1, 101), d = rnd.nextInt(1, 81);
            float scale = (float) (0.01 + rnd.nextDouble());
            float[] qRows = gaussian(rnd, rows * d, 1), keys = gaussian(rnd, n * d, 1);
            if (rnd.nextInt(4) == 0) {
                keys[rnd.nextInt(keys.length)] = Float.NaN;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment k = Segments.floats(arena, 0, keys);
                int qk = VECTOR.keyQuantum(), group = VECTOR.rowGroup(), lds = roundUp(n, qk) + 3;
                float[] q = Arrays.copyOf(qRows, (rows + group) * d);
                float[] kp = new float[roundUp(n, qk) * d], s = new float[(rows + group) * lds];
                float[] max = new float[rows];
                VECTOR.packKeys(n, d, k, 0, d, kp, 0);
                VECTOR.scoreTile(rows, n, d, scale, q, 0, d, kp, 0, s, 0, lds, max, 0);
                float[] kr = new float[n * d], sr = new float[rows * n], maxR = new float[rows];
                SCALAR.packKeys(n, d, k, 0, d, kr, 0);
                SCALAR.scoreTile(rows, n, d, scale, qRows, 0, d, kr, 0, sr, 0, n, maxR, 0);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < roundUp(n, qk); c++) {
                        float want = c < n ? sr[r * n + c] : Float.NEGATIVE_INFINITY;
                        assertEquals(want, s[r * lds + c],
                                "row " + r + " key " + c + " of " + rows + "x" + n + "x" + d);
                    }
                    assertEquals(maxR[r], max[r], "row max " + r);
                }
            }
        });
    }

    @Test
    void directScoresAreWithinTheDotBound() {
        RandomTrials.run(200, rnd -> {
            int rows = rnd.nextInt(1, 5), n = rnd.nextInt(1, 60), d = rnd.nextInt(1, 300);
            // rows of q and k a few floats apart, or packed
            int ldq = d + (rnd.nextBoolean() ? 0 : rnd.nextInt(1, 5)),
                    ldk = d + (rnd.nextBoolean() ? 0 : rnd.nextInt(1, 5));
            float scale = (float) (0.01 + rnd.nextDouble());
            float[] qs = gaussian(rnd, rows * ldq, 1), ks = gaussian(rnd, n * ldk, 1);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment q = Segments.floats(arena, 0, qs), k = Segments.floats(arena, 0, ks);
                float[] s = new float[rows * n], sr = new float[rows * n];
                VECTOR.scores(rows, n, d, scale, q, 0, ldq, k, 0, ldk, s, 0, n, new float[VECTOR.scratchFloats()]);
                SCALAR.scores(rows, n, d, scale, q, 0, ldq, k, 0, ldk, sr, 0, n, null);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < n; c++) {
                        double mag = 0;
                        for (int l = 0; l < d; l++) {
                            mag += Math.abs((double) qs[r * ldq + l] * ks[c * ldk + l]);
                        }
                        // each within (d + 1) eps |scale| sum|q k| of the exact dot, so twice that of each other
                        double bound = 2 * (d + 1) * EPS * scale * mag;
                        assertTrue(Math.abs(s[r * n + c] - sr[r * n + c]) <= bound, "row " + r + " key " + c);
                    }
                }
            }
        });
    }

    @Test
    void softmaxUpdatesAgreeWithTheScalarOnes() {
        RandomTrials.run(300, rnd -> {
            int n = rnd.nextInt(1, 100), lim = rnd.nextInt(0, n + 1);
            boolean known = rnd.nextBoolean() && lim == n;
            int padded = roundUp(n, VECTOR.keyQuantum());
            float[] s = gaussian(rnd, padded, 1 + 30 * rnd.nextDouble());
            for (int c = 0; c < lim; c++) {
                if (rnd.nextInt(6) == 0) {
                    s[c] = Float.NEGATIVE_INFINITY;
                }
            }
            float blockMax = Float.NaN;
            if (known) {
                Arrays.fill(s, n, padded, Float.NEGATIVE_INFINITY);
                blockMax = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < n; c++) {
                    blockMax = Math.max(blockMax, s[c]);
                }
            }
            float[] sr = s.clone();
            float m0 = rnd.nextBoolean() ? Float.NEGATIVE_INFINITY : (float) rnd.nextGaussian() * 10;
            float l0 = m0 == Float.NEGATIVE_INFINITY ? 0f : (float) rnd.nextDouble(1, 50);
            float[] max = {m0}, sum = {l0}, alpha = {0f}, maxR = {m0}, sumR = {l0}, alphaR = {0f};
            VECTOR.softmaxUpdate(s, 0, lim, n, max, sum, alpha, 0, blockMax, new float[VECTOR.scratchFloats()]);
            SCALAR.softmaxUpdate(sr, 0, lim, n, maxR, sumR, alphaR, 0, Float.NaN, null);
            assertEquals(maxR[0], max[0], "max");
            assertEquals(alphaR[0], alpha[0], "alpha");
            double terms = 0;
            for (int c = 0; c < n; c++) {
                int col = c;
                boolean tiny = Math.abs(sr[c]) < 0x1p-126 && Math.abs(s[c]) < 0x1p-126;
                assertTrue(tiny || Math.abs(s[c] - sr[c]) <= 2 * Math.ulp(sr[c]),
                        () -> "p[" + col + "] " + s[col] + " vs " + sr[col]);
                terms += sr[c];
            }
            // both sums of the same terms within 2 ulps each, in different orders: n eps each, 2 ulps per term
            double bound = (2 * n * EPS + 4 * 2 * EPS) * (alphaR[0] * l0 + terms) + n * 0x1p-126;
            assertTrue(Math.abs(sum[0] - sumR[0]) <= bound, "sum " + sum[0] + " vs " + sumR[0]);
        });
    }

    @Test
    void valueStepsEqualTheScalarOnesBitForBit() {
        RandomTrials.run(300, rnd -> {
            int rows = rnd.nextInt(1, 21), n = rnd.nextInt(1, 101), dv = rnd.nextInt(1, 150);
            boolean skip = rnd.nextBoolean();
            float[] p = new float[rows * n];
            for (int i = 0; i < p.length; i++) {
                p[i] = rnd.nextInt(5) == 0 ? 0f : (float) rnd.nextDouble();
            }
            float[] values = gaussian(rnd, n * dv, 1);
            // keys no row attends to may hold NaN: the steps that skip zeros never read them. One
            // such key, or a run of them (which may start at the first key or end at the last)
            int unseen = rnd.nextInt(n), unseenTo = rnd.nextBoolean() ? unseen + 1 : rnd.nextInt(unseen + 1, n + 1);
            for (int u = unseen; u < unseenTo; u++) {
                for (int r = 0; r < rows; r++) {
                    p[r * n + u] = 0f;
                }
                Arrays.fill(values, u * dv, (u + 1) * dv, Float.NaN);
            }
            float[] alpha = new float[rows];
            for (int r = 0; r < rows; r++) {
                alpha[r] = (float) rnd.nextDouble();
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment v = Segments.floats(arena, 0, values);
                int qv = VECTOR.valueQuantum(), ld = roundUp(dv, qv);
                float[] o0 = gaussian(rnd, rows * ld, 1);
                float[] vp = new float[ld * n], o = o0.clone();
                VECTOR.packValues(n, dv, v, 0, dv, vp, 0);
                if (!skip) {
                    Arrays.fill(vp, 0, vp.length, 0f);
                    float[] clean = values.clone();
                    Arrays.fill(clean, unseen * dv, unseenTo * dv, 0f);
                    VECTOR.packValues(n, dv, Segments.floats(arena, 0, clean), 0, dv, vp, 0);
                }
                VECTOR.accumulatePacked(rows, n, dv, alpha, 0, p, 0, n, vp, 0, n * qv, o, 0, ld, skip);
                float[] vr = new float[dv * n], or = new float[rows * dv];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(o0, r * ld, or, r * dv, dv);
                }
                SCALAR.packValues(n, dv, v, 0, dv, vr, 0);
                SCALAR.accumulatePacked(rows, n, dv, alpha, 0, p, 0, n, vr, 0, n, or, 0, dv, true);
                float[] od = o0.clone();
                VECTOR.accumulate(rows, n, dv, alpha, 0, p, 0, n, v, 0, dv, od, 0, ld);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < dv; c++) {
                        String at = "row " + r + " column " + c + " of " + rows + "x" + n + "x" + dv;
                        assertEquals(or[r * dv + c], o[r * ld + c], 0f, "packed " + at);
                        assertEquals(or[r * dv + c], od[r * ld + c], 0f, "direct " + at);
                    }
                }
            }
        });
    }
}
