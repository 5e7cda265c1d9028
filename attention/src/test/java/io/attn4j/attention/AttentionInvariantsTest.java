package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Properties every attention result has, whatever the score function and mask: weights are
 * distributions (or zeros for fully masked rows), shifting a row's scores changes nothing,
 * permuting keys and values together changes nothing, and keys masked for every query are never
 * read. Checked on the reference (with weights) and on {@link Attention#attend} without weights
 * (the fused path for dot scores).
 */
class AttentionInvariantsTest {
    private static final double EPS = 0x1p-24;

    /** A random problem: sizes, inputs, score function and mask. */
    private record Problem(int batch, int tq, int tk, int d, int dv, Tensor q, Tensor k, Tensor v, Attention attention,
            RandomMask mask) {
    }

    private static Problem problem(Arena arena, SplittableRandom rnd, boolean dotOnly) {
        int batch = 1 + rnd.nextInt(3), tq = 1 + rnd.nextInt(20), tk = 1 + rnd.nextInt(24);
        int d = 1 + rnd.nextInt(12), dv = 1 + rnd.nextInt(9);
        int kind = dotOnly ? rnd.nextInt(2) : rnd.nextInt(5);
        int dk = kind >= 2 && kind <= 3 ? 1 + rnd.nextInt(10) : d;
        ScoreFunction score = switch (kind) {
            case 0 -> ScoreFunction.dot();
            case 1 -> ScoreFunction.scaledDot();
            case 2 -> ScoreFunction.general(Inputs.uniform(arena, rnd, 1f, d, dk));
            case 3 -> {
                int hidden = 1 + rnd.nextInt(8);
                yield ScoreFunction.additive(Inputs.uniform(arena, rnd, 1f, hidden, d),
                        Inputs.uniform(arena, rnd, 1f, hidden, dk),
                        Inputs.uniform(arena, rnd, 1f, hidden), Inputs.uniform(arena, rnd, 1f, 1, hidden));
            }
            default -> ScoreFunction.cosine(0.5f + rnd.nextFloat());
        };
        return new Problem(batch, tq, tk, d, dv, Inputs.uniform(arena, rnd, 2f, batch, tq, d),
                Inputs.uniform(arena, rnd, 2f, batch, tk, dk), Inputs.uniform(arena, rnd, 3f, batch, tk, dv),
                Attention.of(score), RandomMask.random(arena, rnd, batch, 1, tq, tk));
    }

    @Test
    void weightsAreDistributionsAndZeroWhereExcluded() {
        RandomTrials.run(120, rnd -> {
            try (Arena arena = Arena.ofConfined(); AttentionWorkspace ws = new AttentionWorkspace()) {
                Problem p = problem(arena, rnd, false);
                Tensor ctx = Checks.nans(arena, p.batch, p.tq, p.dv), w = Checks.nans(arena, p.batch, p.tq, p.tk);
                p.attention.attendReference(p.q, p.k, p.v, p.mask.mask, ws, null, ctx, w);
                float[] weights = w.toFloatArray(), context = ctx.toFloatArray();
                for (int b = 0; b < p.batch; b++) {
                    for (int i = 0; i < p.tq; i++) {
                        double sum = 0;
                        boolean any = false;
                        for (int j = 0; j < p.tk; j++) {
                            float x = weights[(b * p.tq + i) * p.tk + j];
                            boolean excluded = p.mask.excluded(b, 0, i, j);
                            any |= !excluded;
                            assertTrue(excluded ? x == 0 : x >= 0,
                                    "weight " + x + " at " + b + "," + i + "," + j + " " + p.mask);
                            sum += x;
                        }
                        // softmax bound: each weight within (tk + 4) eps relative, doubled
                        double tol = any ? 2 * (p.tk + 4) * EPS : 0;
                        assertEquals(any ? 1 : 0, sum, tol, "row sum at " + b + "," + i + " " + p.mask);
                        if (!any) {
                            for (int c = 0; c < p.dv; c++) {
                                assertEquals(0f, context[(b * p.tq + i) * p.dv + c], "context of a fully masked row");
                            }
                        }
                    }
                }
                p.attention.close();
            }
        });
    }

    @Test
    void shiftingEveryScoreOfARowChangesNothing() {
        RandomTrials.run(80, rnd -> {
            try (Arena arena = Arena.ofConfined(); AttentionWorkspace ws = new AttentionWorkspace()) {
                Problem p = problem(arena, rnd, false);
                Tensor scores = Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.tk);
                p.attention.score().scores(p.q, p.k, scores, ws);
                Tensor shift = Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.tk);
                float[] c = new float[p.batch * p.tq];
                for (int r = 0; r < c.length; r++) {
                    c[r] = (float) ((rnd.nextDouble() * 2 - 1) * 50);
                    for (int j = 0; j < p.tk; j++) {
                        shift.segment().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) r * p.tk + j, c[r]);
                    }
                }
                Tensor w0 = Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.tk),
                        w1 = Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.tk);
                Tensor c0 = Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.dv),
                        c1 = Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.dv);
                p.attention.attendReference(p.q, p.k, p.v, null, ws, null, c0, w0);
                p.attention.attendReference(p.q, p.k, p.v, AttentionMask.none().withAdditive(shift), ws, null, c1, w1);
                float[] a = w0.toFloatArray(), b = w1.toFloatArray(), s = scores.toFloatArray(), v = p.v.toFloatArray();
                float[] x0 = c0.toFloatArray(), x1 = c1.toFloatArray();
                for (int r = 0; r < c.length; r++) {
                    double maxScore = 0;
                    for (int j = 0; j < p.tk; j++) {
                        maxScore = Math.max(maxScore, Math.abs(s[r * p.tk + j]));
                    }
                    // z = s + c rounds by eps |z| in each exponent: a factor e^(±2 eps (|s| + |c|)) per weight, plus two softmax bounds
                    double rel = Math.expm1(2 * EPS * (maxScore + Math.abs(c[r])) * 2) + 2 * (p.tk + 4) * EPS;
                    int bIndex = r / p.tq;
                    for (int col = 0; col < p.dv; col++) {
                        double sumAbs = 0;
                        for (int j = 0; j < p.tk; j++) {
                            float w = a[r * p.tk + j];
                            assertEquals(w, b[r * p.tk + j], 2 * rel * w + Float.MIN_VALUE, "weight " + r + "," + j);
                            sumAbs += w * Math.abs(v[(bIndex * p.tk + j) * p.dv + col]);
                        }
                        // both contexts carry the GEMM bound tk eps sum |w v| besides the weight changes
                        assertEquals(x0[r * p.dv + col], x1[r * p.dv + col],
                                2 * (rel + 2 * p.tk * EPS) * sumAbs + Float.MIN_VALUE,
                                "context " + r + "," + col);
                    }
                }
                p.attention.close();
            }
        });
    }

    @Test
    void permutingKeysAndValuesTogetherChangesNothing() {
        for (boolean reference : new boolean[]{true, false}) {
            RandomTrials.run(80, rnd -> {
                try (Arena arena = Arena.ofConfined(); AttentionWorkspace ws = new AttentionWorkspace()) {
                    Problem p = problem(arena, rnd, !reference);
                    int[] perm = permutation(rnd, p.tk);
                    Tensor k2 = permuteRows(arena, p.k, perm), v2 = permuteRows(arena, p.v, perm);
                    Tensor pad = Inputs.bits(arena, rnd, 0.3, p.batch, p.tk), pad2 = permuteRows(arena, pad, perm);
                    Tensor c0 = Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.dv),
                            c1 = Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.dv);
                    Tensor w0 = reference ? Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.tk) : null;
                    Tensor w1 = reference ? Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.tk) : null;
                    run(p.attention, reference, p.q, p.k, p.v, AttentionMask.none().withKeyPadding(pad), ws, c0, w0);
                    run(p.attention, reference, p.q, k2, v2, AttentionMask.none().withKeyPadding(pad2), ws, c1, w1);
                    float[] x0 = c0.toFloatArray(), x1 = c1.toFloatArray(), v = p.v.toFloatArray();
                    for (int r = 0; r < p.batch * p.tq; r++) {
                        int bIndex = r / p.tq;
                        for (int col = 0; col < p.dv; col++) {
                            double maxAbs = 0;
                            for (int j = 0; j < p.tk; j++) {
                                maxAbs = Math.max(maxAbs, Math.abs(v[(bIndex * p.tk + j) * p.dv + col]));
                            }
                            // sums over keys in another order: softmax (tk + 4) eps and weighted sum (3 tk + 16) eps, twice
                            double tol = 2 * (4.0 * p.tk + 20) * EPS * maxAbs + Float.MIN_VALUE;
                            assertEquals(x0[r * p.dv + col], x1[r * p.dv + col], tol, "context " + r + "," + col);
                        }
                    }
                    if (reference) {
                        float[] a = w0.toFloatArray(), b = w1.toFloatArray();
                        for (int r = 0; r < p.batch * p.tq; r++) {
                            for (int j = 0; j < p.tk; j++) {
                                float x = a[r * p.tk + perm[j]];
                                assertEquals(x, b[r * p.tk + j], 2 * 2 * (p.tk + 4) * EPS * x + Float.MIN_VALUE,
                                        "weight");
                            }
                        }
                    }
                    p.attention.close();
                }
            });
        }
    }

    @Test
    void keysMaskedForEveryQueryAreNeverRead() {
        for (boolean reference : new boolean[]{true, false}) {
            RandomTrials.run(100, rnd -> {
                try (Arena arena = Arena.ofConfined(); AttentionWorkspace ws = new AttentionWorkspace()) {
                    Problem p = problem(arena, rnd, !reference);
                    Tensor k1 = copy(arena, p.k), v1 = copy(arena, p.v), k2 = copy(arena, p.k), v2 = copy(arena, p.v);
                    for (int b = 0; b < p.batch; b++) {
                        for (int j = 0; j < p.tk; j++) {
                            if (p.mask.deadKey(b, j)) {
                                fillRow(k1, b, j, 1e30f * (float) rnd.nextDouble());
                                fillRow(v1, b, j, -7e29f);
                                fillRow(k2, b, j, Float.NaN);
                                fillRow(v2, b, j, Float.NaN);
                            }
                        }
                    }
                    Tensor c1 = Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.dv),
                            c2 = Tensor.allocate(arena, DType.F32, p.batch, p.tq, p.dv);
                    run(p.attention, reference, p.q, k1, v1, p.mask.mask, ws, c1, null);
                    run(p.attention, reference, p.q, k2, v2, p.mask.mask, ws, c2, null);
                    float[] a = c1.toFloatArray();
                    for (float x : a) {
                        assertTrue(Float.isFinite(x), "context " + x + " with " + p.mask);
                    }
                    assertArrayEquals(a, c2.toFloatArray(), "garbage vs NaN in dead keys, " + p.mask);
                    p.attention.close();
                }
            });
        }
    }

    private static void run(Attention a, boolean reference, Tensor q, Tensor k, Tensor v, AttentionMask mask,
            AttentionWorkspace ws, Tensor context, Tensor weights) {
        if (reference) {
            a.attendReference(q, k, v, mask, ws, null, context, weights);
        } else {
            a.attend(q, k, v, mask, ws, null, context, weights);
        }
    }

    private static int[] permutation(SplittableRandom rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** {@code out[b, j] = t[b, perm[j]]} for a (B, T, ...) tensor of F32 or I8. */
    private static Tensor permuteRows(Arena arena, Tensor t, int[] perm) {
        Tensor out = Tensor.allocate(arena, t.dtype(), t.shape());
        long row = t.size() / t.dim(0) / t.dim(1) * t.dtype().byteSize();
        for (long b = 0; b < t.dim(0); b++) {
            for (int j = 0; j < perm.length; j++) {
                long bOff = b * t.dim(1) * row;
                java.lang.foreign.MemorySegment.copy(t.segment(), bOff + perm[j] * row, out.segment(), bOff + j * row,
                        row);
            }
        }
        return out;
    }

    private static Tensor copy(Arena arena, Tensor t) {
        return Tensor.of(arena, t.toFloatArray(), t.shape());
    }

    private static void fillRow(Tensor t, int b, int j, float value) {
        for (long c = 0; c < t.dim(2); c++) {
            t.set(value, b, j, c);
        }
    }
}
