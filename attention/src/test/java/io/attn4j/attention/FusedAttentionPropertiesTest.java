package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.attn4j.engine.parallel.Parallel;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fused attention against attention evaluated in double ({@link DoubleReference}, with its
 * derived bound), over generated shapes that hit the tails of every block size, masks of every
 * kind (random, causal, all but one key, fully masked rows, lengths 0), scales and score
 * magnitudes up to 1e4; and bit identity for any thread count.
 */
class FusedAttentionPropertiesTest {

    /**
     * A size near a multiple of a block size (one below to four above: a leftover of up to
     * {@code KeyScores.MAX_ROWS} queries joins the last block), or anywhere in [1, max].
     */
    private static int size(SplittableRandom rnd, int max) {
        int[] blocks = {32, 48, 64, 96, 128, 256, 512};
        if (rnd.nextInt(3) == 0) {
            return 1 + rnd.nextInt(max);
        }
        int b = blocks[rnd.nextInt(blocks.length)];
        int n = b * (1 + rnd.nextInt(Math.max(1, max / b))) + rnd.nextInt(6) - 1;
        return Math.clamp(n, 1, max);
    }

    private record Case(int batch, int heads, int kvHeads, int tq, int tk, int d, int dv, float scale, float[] q,
            float[] k,
            float[] v, Tensor qt, Tensor kt, Tensor vt, RandomMask mask) {
        String describe() {
            return "B=" + batch + " H=" + heads + "/" + kvHeads + " Tq=" + tq + " Tk=" + tk + " d=" + d + " dv=" + dv
                    + " scale=" + scale + " " + mask;
        }
    }

    private static Case generate(Arena arena, SplittableRandom rnd, int tqMax, int tkMin, int tkMax) {
        int tq = size(rnd, tqMax), tk = Math.max(tkMin, size(rnd, tkMax));
        // several batch entries and heads only where the double oracle stays cheap
        boolean small = (long) tq * tk <= 40_000;
        int batch = small ? 1 + rnd.nextInt(2) : 1;
        int kvHeads = 1 + rnd.nextInt(2), heads = kvHeads * (small ? 1 + rnd.nextInt(2) : 1);
        int d = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(160) : new int[]{16, 32, 64, 128}[rnd.nextInt(4)];
        int dv = rnd.nextBoolean() ? d : 1 + rnd.nextInt(160);
        float scale = rnd.nextBoolean() ? (float) (1 / Math.sqrt(d)) : (float) (0.01 + 2 * rnd.nextDouble());
        // typical |score| of magnitude 10^e, e in [-1, 4]
        double magnitude = Math.pow(10, -1 + 5 * rnd.nextDouble());
        float amp = (float) Math.sqrt(3 * magnitude / (scale * Math.sqrt(d)));
        Tensor qt = Inputs.uniform(arena, rnd, amp, batch, heads, tq, d);
        Tensor kt = Inputs.uniform(arena, rnd, amp, batch, kvHeads, tk, d);
        Tensor vt = Inputs.uniform(arena, rnd, 2f, batch, kvHeads, tk, dv);
        RandomMask mask = RandomMask.random(arena, rnd, batch, heads, tq, tk);
        return new Case(batch, heads, kvHeads, tq, tk, d, dv, scale, qt.toFloatArray(), kt.toFloatArray(),
                vt.toFloatArray(),
                qt, kt, vt, mask);
    }

    private static float[] fused(Case c, Arena arena, AttentionWorkspace ws, java.util.concurrent.Executor executor) {
        Tensor out = Checks.nans(arena, c.batch, c.heads, c.tq, c.dv);
        try (Attention a = Attention.scaledDot(c.scale)) {
            a.attend(c.qt, c.kt, c.vt, c.mask.mask, ws, executor, out, null);
        }
        return out.toFloatArray();
    }

    private static void check(int trials, int tqMax, int tkMin, int tkMax) {
        RandomTrials.run(trials, rnd -> {
            try (Arena arena = Arena.ofShared(); AttentionWorkspace ws = new AttentionWorkspace()) {
                Case c = generate(arena, rnd, tqMax, tkMin, tkMax);
                float[] got = fused(c, arena, ws, null);
                DoubleReference ref = DoubleReference.compute(c.q, c.k, c.v, c.batch, c.heads, c.kvHeads, c.tq, c.tk,
                        c.d,
                        c.dv, c.scale, c.mask);
                ref.assertContext(c.describe(), got);
                assertArrayEquals(got, fused(c, arena, ws, Parallel.sharedExecutor()),
                        "shared pool vs calling thread, " + c.describe());
                assertArrayEquals(got, fused(c, arena, ws, ThreeThreads.POOL),
                        "three threads vs calling thread, " + c.describe());
            }
        });
    }

    @Test
    void equalsDoubleAttentionWithinTheBound() {
        check(30, 600, 1, 600);
    }

    @Test
    void splitKeysEqualDoubleAttentionWithinTheBound() {
        // queries in one block (up to 96 + 4 rows), so the keys are split into chunks and merged
        check(12, 100, 1025, 2600);
    }

    @Test
    void theReferenceMeetsTheSameBound() {
        RandomTrials.run(15, rnd -> {
            try (Arena arena = Arena.ofShared(); AttentionWorkspace ws = new AttentionWorkspace()) {
                Case c = generate(arena, rnd, 200, 1, 200);
                Tensor out = Checks.nans(arena, c.batch, c.heads, c.tq, c.dv);
                Tensor w = Tensor.allocate(arena, DType.F32, c.batch, c.heads, c.tq, c.tk);
                try (Attention a = Attention.scaledDot(c.scale)) {
                    a.attendReference(c.qt, c.kt, c.vt, c.mask.mask, ws, null, out, w);
                }
                DoubleReference
                        .compute(c.q, c.k, c.v, c.batch, c.heads, c.kvHeads, c.tq, c.tk, c.d, c.dv, c.scale, c.mask)
                        .assertContext(c.describe(), out.toFloatArray());
            }
        });
    }
}
