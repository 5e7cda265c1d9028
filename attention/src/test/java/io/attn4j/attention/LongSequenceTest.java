package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.parallel.Parallel;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Memory O(T d): one head with 32768 keys of 64 features and the last 2048 positions as causal
 * queries (query i sees keys j <= i + 30720). The score matrix would take 256 MiB; the fused
 * attention's workspace stays under 2 MiB. Sampled rows are checked against double precision.
 */
class LongSequenceTest {
    private static final int TK = 32768;
    private static final int TQ = 2048;
    private static final int D = 64;

    @Test
    void thirtyTwoThousandKeysInAFewMegabytes() {
        SplittableRandom rnd = new SplittableRandom(32768);
        try (Arena arena = Arena.ofShared();
                AttentionWorkspace ws = new AttentionWorkspace();
                Attention a = Attention.scaledDot()) {
            Tensor q = Inputs.uniform(arena, rnd, 2f, 1, TQ, D);
            Tensor k = Inputs.uniform(arena, rnd, 2f, 1, TK, D);
            Tensor v = Inputs.uniform(arena, rnd, 1f, 1, TK, D);
            Tensor out = Checks.nans(arena, 1, TQ, D);
            a.attend(q, k, v, AttentionMask.none().withCausal(), ws, Parallel.sharedExecutor(), out, null);
            long bytes = ws.byteSize();
            assertTrue(bytes <= 2 << 20, "workspace holds " + bytes + " bytes");

            float[] qa = q.toFloatArray(), ka = k.toFloatArray(), va = v.toFloatArray(), got = out.toFloatArray();
            float scale = (float) (1 / Math.sqrt(D));
            for (int i : new int[]{0, 1, 95, 96, 97, 1000, TQ - 1}) {
                // query i is a one-row problem over its first i + TK - TQ + 1 keys
                RandomMask visible = RandomMask.lengths(1, 1, 1, TK, i + TK - TQ + 1);
                DoubleReference ref = DoubleReference.compute(Arrays.copyOfRange(qa, i * D, (i + 1) * D), ka, va,
                        1, 1, 1, 1, TK, D, D, scale, visible);
                ref.assertContext("query " + i, Arrays.copyOfRange(got, i * D, (i + 1) * D));
            }
        }
    }
}
