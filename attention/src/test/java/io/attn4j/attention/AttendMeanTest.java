package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Attention#attendMean}: the mean of the first {@code n_b} context rows, against the same
 * mean of the double-precision context, for generated shapes, heads, masks and counts.
 */
class AttendMeanTest {

    @Test
    void equalsTheMeanOfTheDoubleContextWithinTheBound() {
        RandomTrials.run(40, rnd -> {
            try (Arena arena = Arena.ofShared();
                    AttentionWorkspace ws = new AttentionWorkspace();
                    Attention attention = Attention.scaledDot()) {
                int batch = 1 + rnd.nextInt(3), kvHeads = 1 + rnd.nextInt(2), heads = kvHeads * (1 + rnd.nextInt(2));
                int tq = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 150),
                        tk = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 150);
                int d = 1 + rnd.nextInt(80), dv = rnd.nextBoolean() ? d : 1 + rnd.nextInt(80);
                float scale = (float) (1 / Math.sqrt(d));
                Tensor q = Inputs.uniform(arena, rnd, 2f, batch, heads, tq, d);
                Tensor k = Inputs.uniform(arena, rnd, 2f, batch, kvHeads, tk, d);
                Tensor v = Inputs.uniform(arena, rnd, 2f, batch, kvHeads, tk, dv);
                RandomMask mask = RandomMask.random(arena, rnd, batch, heads, tq, tk);
                int[] counts = counts(rnd, batch, tq);
                Tensor countsTensor = counts == null ? null : ints(counts);
                String what = "B=" + batch + " H=" + heads + "/" + kvHeads + " Tq=" + tq + " Tk=" + tk + " d=" + d
                        + " dv=" + dv
                        + " counts " + java.util.Arrays.toString(counts);

                Tensor means = Checks.nans(arena, batch, heads, dv);
                attention.attendMean(q, k, v, mask.mask, ws, null, countsTensor, means);
                float[] got = means.toFloatArray();

                DoubleReference ref = DoubleReference.compute(q.toFloatArray(), k.toFloatArray(), v.toFloatArray(),
                        batch,
                        heads, kvHeads, tq, tk, d, dv, scale, mask);
                for (int b = 0; b < batch; b++) {
                    int n = counts == null ? tq : counts[b];
                    for (int h = 0; h < heads; h++) {
                        for (int c = 0; c < dv; c++) {
                            double sum = 0, bound = 0;
                            for (int i = 0; i < n; i++) {
                                int at = (((b * heads + h) * tq) + i) * dv + c;
                                sum += ref.context[at];
                                bound += ref.bound[at];
                            }
                            int at = (b * heads + h) * dv + c;
                            if (n == 0) {
                                assertTrue(got[at] == 0f, what + ": a mean of no rows is 0, got " + got[at]);
                                continue;
                            }
                            // Each row's bound holds at least 2 (3 Tk + 16) eps sum_j w_j |v_j|; the mean
                            // adds n eps (averaging the weight rows) and Tk + 4 eps (the GEMV over keys and
                            // the 1/n scaling) of the mean of those sums: the factor below.
                            double allowed = bound / n * (1 + (n + tk + 4.0) / (6.0 * tk + 32));
                            double want = sum / n;
                            assertTrue(Math.abs(got[at] - want) <= allowed, what + ": means[" + b + ", " + h + ", " + c
                                    + "] = " + got[at] + ", expected " + want + " within " + allowed);
                        }
                    }
                }
                Tensor threaded = Checks.nans(arena, batch, heads, dv);
                attention.attendMean(q, k, v, mask.mask, ws, ThreeThreads.POOL, countsTensor, threaded);
                assertArrayEquals(got, threaded.toFloatArray(), what + ": three threads vs the calling thread");
            }
        });
    }

    /** Counts per batch entry in [0, tq], sometimes null (all queries). */
    private static int[] counts(SplittableRandom rnd, int batch, int tq) {
        if (rnd.nextInt(4) == 0) {
            return null;
        }
        int[] counts = new int[batch];
        for (int b = 0; b < batch; b++) {
            counts[b] = rnd.nextInt(5) == 0 ? tq : rnd.nextInt(tq + 1);
        }
        return counts;
    }

    @Test
    void theMeanOfRank3InputsIsOneRowPerBatchEntry() {
        try (Arena arena = Arena.ofConfined();
                AttentionWorkspace ws = new AttentionWorkspace();
                Attention attention = Attention.scaledDot()) {
            SplittableRandom rnd = new SplittableRandom(7);
            Tensor x = Inputs.uniform(arena, rnd, 1f, 2, 9, 5);
            Tensor context = Tensor.allocate(arena, DType.F32, 2, 9, 5);
            attention.attend(x, x, x, null, ws, null, context, null);
            Tensor means = Checks.nans(arena, 2, 5);
            attention.attendMean(x, x, x, null, ws, null, longs(9, 4), means);
            float[] c = context.toFloatArray(), got = means.toFloatArray();
            for (int b = 0; b < 2; b++) {
                int n = b == 0 ? 9 : 4;
                for (int j = 0; j < 5; j++) {
                    double sum = 0;
                    for (int i = 0; i < n; i++) {
                        sum += c[(b * 9 + i) * 5 + j];
                    }
                    // both within a few dozen eps of the exact mean, whose terms are below 1 here
                    assertTrue(Math.abs(got[b * 5 + j] - sum / n) <= 1e-6, "means[" + b + ", " + j + "] = "
                            + got[b * 5 + j] + ", the mean of the context rows " + sum / n);
                }
            }
        }
    }

    @Test
    void keysNoCountedRowSeesAreNeverRead() {
        try (Arena arena = Arena.ofConfined();
                AttentionWorkspace ws = new AttentionWorkspace();
                Attention attention = Attention.scaledDot()) {
            SplittableRandom rnd = new SplittableRandom(11);
            int tq = 12, tk = 12, d = 8;
            Tensor q = Inputs.uniform(arena, rnd, 1f, 1, tq, d);
            Tensor k = Inputs.uniform(arena, rnd, 1f, 1, tk, d);
            Tensor v = Inputs.uniform(arena, rnd, 1f, 1, tk, d);
            AttentionMask mask = AttentionMask.none().withKeyLengths(7).withCausalFromStart();
            Tensor clean = Checks.nans(arena, 1, d);
            attention.attendMean(q, k, v, mask, ws, null, ints(5), clean);
            // rows 0..4 see keys 0..4 (causal from the start); keys 5.. and past the length get NaN
            for (long j = 5; j < tk; j++) {
                for (long c = 0; c < d; c++) {
                    v.segment().setAtIndex(ValueLayout.JAVA_FLOAT, j * d + c, Float.NaN);
                    k.segment().setAtIndex(ValueLayout.JAVA_FLOAT, j * d + c, Float.NaN);
                }
            }
            Tensor poisoned = Checks.nans(arena, 1, d);
            attention.attendMean(q, k, v, mask, ws, null, ints(5), poisoned);
            assertArrayEquals(clean.toFloatArray(), poisoned.toFloatArray());
        }
    }

    @Test
    void badInputIsRejectedAndNothingIsWritten() {
        try (Arena arena = Arena.ofConfined();
                AttentionWorkspace ws = new AttentionWorkspace();
                Attention attention = Attention.scaledDot()) {
            Tensor x = Inputs.uniform(arena, new SplittableRandom(3), 1f, 2, 6, 4);
            Tensor means = Checks.nans(arena, 2, 4);
            MemorySegment before = Arena.ofAuto().allocate(means.segment().byteSize()).copyFrom(means.segment());
            assertRejected("means has shape [2, 5]", () -> attention.attendMean(x, x, x, null, ws, null, null,
                    Tensor.allocate(arena, DType.F32, 2, 5)));
            assertRejected("means", () -> attention.attendMean(x, x, x, null, ws, null, null,
                    Tensor.allocate(arena, DType.F32, 2, 6, 4)));
            assertRejected("queryCounts must be an I32 or I64 vector of 2",
                    () -> attention.attendMean(x, x, x, null, ws,
                            null, ints(1, 2, 3), means));
            assertRejected("queryCounts must be an I32 or I64 vector of 2",
                    () -> attention.attendMean(x, x, x, null, ws,
                            null, Tensor.of(arena, new float[]{1, 2}, 2), means));
            assertRejected("queryCounts[1] = 7 is outside [0, 6]", () -> attention.attendMean(x, x, x, null, ws, null,
                    ints(6, 7), means));
            assertRejected("queryCounts[0] = -1 is outside [0, 6]", () -> attention.attendMean(x, x, x, null, ws, null,
                    longs(-1, 2), means));
            assertTrue(before.mismatch(means.segment()) == -1, "a rejected call wrote into means");
        }
    }

    private static Tensor ints(int... values) {
        return Tensor.wrap(MemorySegment.ofArray(values), DType.I32, values.length);
    }

    private static Tensor longs(long... values) {
        return Tensor.wrap(MemorySegment.ofArray(values), DType.I64, values.length);
    }

    private static void assertRejected(String message, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(message),
                "message: " + e.getMessage() + ", expected it to contain: " + message);
    }
}
