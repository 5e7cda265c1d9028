package io.attn4j.attention;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Random tensors and masks for the property tests. */
final class Inputs {
    private Inputs() {
    }

    /** F32 tensor of {@code shape}, uniform in {@code [-scale, scale)}. */
    static Tensor uniform(Arena arena, SplittableRandom rnd, float scale, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        for (long i = 0; i < t.size(); i++) {
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) ((2 * rnd.nextDouble() - 1) * scale));
        }
        return t;
    }

    /** I8 tensor of {@code shape}, each byte 1 with probability {@code p}. */
    static Tensor bits(Arena arena, SplittableRandom rnd, double p, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.I8, shape);
        for (long i = 0; i < t.size(); i++) {
            t.segment().set(ValueLayout.JAVA_BYTE, i, rnd.nextDouble() < p ? (byte) 1 : 0);
        }
        return t;
    }

    /** Lengths in {@code [0, tk]}, with 0 and {@code tk} likely. */
    static int[] lengths(SplittableRandom rnd, int batch, int tk) {
        int[] len = new int[batch];
        for (int b = 0; b < batch; b++) {
            int pick = rnd.nextInt(6);
            len[b] = pick == 0 ? 0 : pick == 1 ? tk : rnd.nextInt(tk + 1);
        }
        return len;
    }

    /** A random combination of mask parts for {@code (batch, Tq, Tk)} problems (single head). */
    static AttentionMask mask(Arena arena, SplittableRandom rnd, int batch, int tq, int tk) {
        AttentionMask m = AttentionMask.none();
        if (rnd.nextInt(3) == 0) {
            m = m.withKeyLengths(lengths(rnd, batch, tk));
        }
        if (rnd.nextInt(3) == 0) {
            m = m.withKeyPadding(bits(arena, rnd, 0.3, batch, tk));
        }
        if (rnd.nextInt(3) == 0) {
            m = m.withCausal();
        }
        if (rnd.nextInt(4) == 0) {
            m = m.withMask(rnd.nextBoolean() ? bits(arena, rnd, 0.3, tq, tk) : bits(arena, rnd, 0.3, batch, tq, tk));
        }
        if (rnd.nextInt(4) == 0) {
            Tensor add = uniform(arena, rnd, 2f, batch, tq, tk);
            for (long i = 0; i < add.size(); i++) {
                if (rnd.nextInt(5) == 0) {
                    add.segment().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, Float.NEGATIVE_INFINITY);
                }
            }
            m = m.withAdditive(add);
        }
        return m;
    }
}
