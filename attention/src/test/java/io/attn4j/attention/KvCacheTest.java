package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.parallel.Parallel;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Decoding with a KV cache: step by step (one query, then several at once) it equals causal
 * attention over the whole sequence within the double-precision bound, across the point where the
 * keys start being split over threads; the split gives the same bits for any thread count and
 * the same as {@link Attention#attend} over the cached keys. (Steps allocate nothing: {@link AllocationTest}.)
 */
class KvCacheTest {
    private static final int B = 2, H = 4, HKV = 2, D = 32, DV = 24;

    @Test
    void decodingEqualsCausalAttentionOverTheSequence() {
        int t = 2100; // past TileBlocking.splitKeys: the later steps split their keys
        SplittableRandom rnd = new SplittableRandom(2100);
        try (Arena arena = Arena.ofShared();
                AttentionWorkspace ws = new AttentionWorkspace();
                KvCache cache = new KvCache(B, HKV, t, D, DV)) {
            Tensor q = Inputs.uniform(arena, rnd, 2f, B, H, t, D);
            Tensor k = Inputs.uniform(arena, rnd, 2f, B, HKV, t, D);
            Tensor v = Inputs.uniform(arena, rnd, 1f, B, HKV, t, DV);
            float scale = (float) (1 / Math.sqrt(D));
            DoubleReference ref = DoubleReference.compute(q.toFloatArray(), k.toFloatArray(), v.toFloatArray(), B, H,
                    HKV, t, t,
                    D, DV, scale, RandomMask.causal(B, H, t, t));
            int pos = 0;
            while (pos < t) {
                int n = pos % 7 == 3 ? Math.min(3, t - pos) : 1; // now and then three positions at once
                cache.append(k.slice(2, pos, pos + n), v.slice(2, pos, pos + n));
                Tensor out = Checks.nans(arena, B, H, n, DV);
                cache.attend(q.slice(2, pos, pos + n), Float.NaN, ws, null, out);
                float[] got = out.toFloatArray();
                for (int b = 0; b < B; b++) {
                    for (int h = 0; h < H; h++) {
                        for (int i = 0; i < n; i++) {
                            for (int c = 0; c < DV; c++) {
                                int at = ((b * H + h) * t + pos + i) * DV + c;
                                double err = Math.abs(got[((b * H + h) * n + i) * DV + c] - ref.context[at]);
                                assertTrue(err <= ref.bound[at],
                                        "position " + (pos + i) + " head " + h + ": error " + err
                                                + " > bound " + ref.bound[at]);
                            }
                        }
                    }
                }
                pos += n;
            }
            assertEquals(t, cache.length());
        }
    }

    @Test
    void splitKeysGiveTheSameBitsForAnyThreadCount() {
        int t = 3000;
        SplittableRandom rnd = new SplittableRandom(3000);
        try (Arena arena = Arena.ofShared();
                AttentionWorkspace ws = new AttentionWorkspace();
                KvCache cache = new KvCache(B, HKV, t + 10, D, DV);
                Attention attention = Attention.scaledDot()) {
            cache.append(Inputs.uniform(arena, rnd, 2f, B, HKV, t, D), Inputs.uniform(arena, rnd, 1f, B, HKV, t, DV));
            Tensor q = Inputs.uniform(arena, rnd, 2f, B, H, 2, D);
            float[][] runs = new float[4][];
            java.util.concurrent.Executor[] executors = {null, Parallel.sharedExecutor(), ThreeThreads.POOL, null};
            for (int r = 0; r < runs.length; r++) {
                Tensor out = Checks.nans(arena, B, H, 2, DV);
                if (r < 3) {
                    cache.attend(q, Float.NaN, ws, executors[r], out);
                } else {
                    attention.attend(q, cache.keys(), cache.values(), AttentionMask.none().withCausal(), ws, null, out,
                            null);
                }
                runs[r] = out.toFloatArray();
            }
            for (int r = 1; r < runs.length; r++) {
                assertArrayEquals(runs[0], runs[r], "run " + r);
            }
        }
    }

    @Test
    void badCallsAreRejectedBeforeAnythingChanges() {
        try (Arena arena = Arena.ofConfined();
                AttentionWorkspace ws = new AttentionWorkspace();
                KvCache cache = new KvCache(1, 2, 4, 8, 6)) {
            SplittableRandom rnd = new SplittableRandom(2);
            cache.append(Inputs.uniform(arena, rnd, 1f, 1, 2, 3, 8), Inputs.uniform(arena, rnd, 1f, 1, 2, 3, 6));
            IllegalArgumentException full = assertThrows(IllegalArgumentException.class,
                    () -> cache.append(Inputs.uniform(arena, rnd, 1f, 1, 2, 2, 8),
                            Inputs.uniform(arena, rnd, 1f, 1, 2, 2, 6)));
            assertTrue(full.getMessage().contains("capacity 4"), full.getMessage());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> cache.append(Inputs.uniform(arena, rnd, 1f, 1, 2, 1, 8),
                            Inputs.uniform(arena, rnd, 1f, 1, 2, 2, 6)));
            assertTrue(shape.getMessage().contains("newValues") && shape.getMessage().contains("[1, 2, 2, 6]"),
                    shape.getMessage());
            assertEquals(3, cache.length());
            Tensor out = Checks.nans(arena, 1, 4, 4, 6);
            IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                    () -> cache.attend(Inputs.uniform(arena, rnd, 1f, 1, 4, 4, 8), Float.NaN, ws, null, out));
            assertTrue(tooMany.getMessage().contains("nq <= 3"), tooMany.getMessage());
            Tensor out3 = Checks.nans(arena, 1, 3, 1, 6);
            assertThrows(IllegalArgumentException.class,
                    () -> cache.attend(Inputs.uniform(arena, rnd, 1f, 1, 3, 1, 8), Float.NaN, ws, null, out3));
            for (float x : out.toFloatArray()) {
                assertTrue(Float.isNaN(x), "written by a rejected call");
            }
        }
    }
}
