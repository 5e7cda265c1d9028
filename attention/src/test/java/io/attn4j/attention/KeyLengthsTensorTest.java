package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Key lengths read from a tensor at call time: one mask serves many calls as the caller refills
 * the tensor, with the bits of masks built from the values; bad tensors are refused by name.
 */
class KeyLengthsTensorTest {

    @Test
    void aRefilledTensorGivesTheBitsOfTheSameValues() {
        SplittableRandom rnd = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined(); AttentionWorkspace ws = new AttentionWorkspace()) {
            int batch = 3, tq = 5, tk = 9, d = 8;
            Tensor q = Inputs.uniform(arena, rnd, 1f, batch, tq, d), k = Inputs.uniform(arena, rnd, 1f, batch, tk, d);
            Tensor v = Inputs.uniform(arena, rnd, 1f, batch, tk, d);
            Tensor lengths = Tensor.allocate(arena, DType.I32, batch);
            AttentionMask byTensor = AttentionMask.none().withKeyLengths(lengths);
            Attention attention = Attention.scaledDot();
            for (int[] values : new int[][]{{9, 4, 1}, {2, 9, 7}, {0, 3, 9}}) {
                for (int b = 0; b < batch; b++) {
                    lengths.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, b, values[b]);
                }
                Tensor got = Tensor.allocate(arena, DType.F32, batch, tq, d),
                        want = Tensor.allocate(arena, DType.F32, batch, tq, d);
                attention.attend(q, k, v, byTensor, ws, null, got, null);
                attention.attend(q, k, v, AttentionMask.none().withKeyLengths(values), ws, null, want, null);
                float[] g = got.toFloatArray(), w = want.toFloatArray();
                for (int i = 0; i < g.length; i++) {
                    assertEquals(Float.floatToRawIntBits(w[i]), Float.floatToRawIntBits(g[i]),
                            "element " + i + " for lengths "
                                    + java.util.Arrays.toString(values));
                }
            }
        }
    }

    @Test
    void badTensorsAreRefusedByName() {
        try (Arena arena = Arena.ofConfined(); AttentionWorkspace ws = new AttentionWorkspace()) {
            assertThrows(IllegalArgumentException.class,
                    () -> AttentionMask.none().withKeyLengths(Tensor.allocate(arena, DType.F32, 2)));
            assertThrows(IllegalArgumentException.class,
                    () -> AttentionMask.none().withKeyLengths(Tensor.allocate(arena, DType.I32, 2, 1)));
            Tensor lengths = Tensor.allocate(arena, DType.I64, 2);
            lengths.copyFrom(new long[]{3, 5});
            SplittableRandom rnd = new SplittableRandom(2);
            Tensor q = Inputs.uniform(arena, rnd, 1f, 2, 2, 4), kv = Inputs.uniform(arena, rnd, 1f, 2, 4, 4);
            Tensor out = Tensor.allocate(arena, DType.F32, 2, 2, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Attention.dot()
                    .attend(q, kv, kv, AttentionMask.none().withKeyLengths(lengths), ws, null, out, null));
            assertTrue(e.getMessage().contains("keyLengths[1] = 5"), e.getMessage());
            Tensor three = Tensor.allocate(arena, DType.I32, 3);
            e = assertThrows(IllegalArgumentException.class, () -> Attention.dot()
                    .attend(q, kv, kv, AttentionMask.none().withKeyLengths(three), ws, null, out, null));
            assertTrue(e.getMessage().contains("3 entries for a batch of 2"), e.getMessage());
        }
    }
}
