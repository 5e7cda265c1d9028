package io.attn4j.attention;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * A random combination of mask parts for {@code (batch, heads, Tq, Tk)} problems, kept both as an
 * {@link AttentionMask} and as plain arrays, so that tests can say which keys are masked without
 * asking the code under test.
 */
final class RandomMask {
    final int batch;
    final int heads;
    final int tq;
    final int tk;
    int[] lengths;
    boolean[][] pad;
    boolean causal;
    /** Indexed [b][h][i * tk + j]; b and h are 0 for broadcast masks. */
    boolean[][][] bool;
    float[][][] add;
    AttentionMask mask = AttentionMask.none();

    private RandomMask(int batch, int heads, int tq, int tk) {
        this.batch = batch;
        this.heads = heads;
        this.tq = tq;
        this.tk = tk;
    }

    static RandomMask none(int batch, int heads, int tq, int tk) {
        return new RandomMask(batch, heads, tq, tk);
    }

    /** Causal only (aligned to the end). */
    static RandomMask causal(int batch, int heads, int tq, int tk) {
        RandomMask r = new RandomMask(batch, heads, tq, tk);
        r.causal = true;
        r.mask = r.mask.withCausal();
        return r;
    }

    /** Key lengths only. */
    static RandomMask lengths(int batch, int heads, int tq, int tk, int... lengths) {
        RandomMask r = new RandomMask(batch, heads, tq, tk);
        r.lengths = lengths.clone();
        r.mask = r.mask.withKeyLengths(lengths);
        return r;
    }

    /** Each part with some probability; {@code allButOne} masks every key of some rows but one. */
    static RandomMask random(Arena arena, SplittableRandom rnd, int batch, int heads, int tq, int tk) {
        RandomMask r = new RandomMask(batch, heads, tq, tk);
        if (rnd.nextInt(3) == 0) {
            r.lengths = Inputs.lengths(rnd, batch, tk);
            r.mask = r.mask.withKeyLengths(r.lengths);
        }
        if (rnd.nextInt(4) == 0) {
            r.pad = new boolean[batch][tk];
            Tensor t = Tensor.allocate(arena, DType.I8, batch, tk);
            double p = rnd.nextDouble();
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < tk; j++) {
                    r.pad[b][j] = rnd.nextDouble() < p;
                    t.segment().set(ValueLayout.JAVA_BYTE, (long) b * tk + j, r.pad[b][j] ? (byte) 1 : 0);
                }
            }
            r.mask = r.mask.withKeyPadding(t);
        }
        if (rnd.nextInt(3) == 0) {
            r.causal = true;
            r.mask = r.mask.withCausal();
        }
        int kind = rnd.nextInt(8);
        if (kind < 3) {
            r.boolPart(arena, rnd, kind);
        }
        if (rnd.nextInt(5) == 0) {
            r.additivePart(arena, rnd);
        }
        return r;
    }

    /** kind 0: random, 1: all but one key per row, 2: some rows fully masked. */
    private void boolPart(Arena arena, SplittableRandom rnd, int kind) {
        int shape = heads > 1 ? rnd.nextInt(3) : rnd.nextInt(2);
        int nb = shape == 0 ? 1 : batch, nh = shape == 2 ? heads : 1;
        bool = new boolean[nb][nh][tq * tk];
        Tensor t = Tensor.allocate(arena, DType.I8, shape == 0
                ? new long[]{tq, tk}
                : shape == 1 ? new long[]{batch, tq, tk} : new long[]{batch, heads, tq, tk});
        double p = rnd.nextDouble();
        long at = 0;
        for (int b = 0; b < nb; b++) {
            for (int h = 0; h < nh; h++) {
                for (int i = 0; i < tq; i++) {
                    int keep = rnd.nextInt(Math.max(tk, 1));
                    boolean fullRow = kind == 2 && rnd.nextInt(3) == 0;
                    for (int j = 0; j < tk; j++) {
                        boolean m = switch (kind) {
                            case 0 -> rnd.nextDouble() < p;
                            case 1 -> j != keep;
                            default -> fullRow || rnd.nextDouble() < 0.2;
                        };
                        bool[b][h][i * tk + j] = m;
                        t.segment().set(ValueLayout.JAVA_BYTE, at++, m ? (byte) 1 : 0);
                    }
                }
            }
        }
        mask = mask.withMask(t);
    }

    private void additivePart(Arena arena, SplittableRandom rnd) {
        add = new float[batch][1][tq * tk];
        Tensor t = Tensor.allocate(arena, DType.F32, batch, tq, tk);
        long at = 0;
        for (int b = 0; b < batch; b++) {
            for (int x = 0; x < tq * tk; x++) {
                float a = rnd.nextInt(6) == 0 ? Float.NEGATIVE_INFINITY : (float) (4 * rnd.nextDouble() - 2);
                add[b][0][x] = a;
                t.segment().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at++, a);
            }
        }
        mask = mask.withAdditive(t);
    }

    /** True when key j is excluded for query i of (b, h). */
    boolean excluded(int b, int h, int i, int j) {
        if (lengths != null && j >= lengths[b]) {
            return true;
        }
        if (pad != null && pad[b][j]) {
            return true;
        }
        if (causal && j > i + (tk - tq)) {
            return true;
        }
        if (bool != null && bool[bool.length == 1 ? 0 : b][bool[0].length == 1 ? 0 : h][i * tk + j]) {
            return true;
        }
        return add != null && add[b][0][i * tk + j] == Float.NEGATIVE_INFINITY;
    }

    /** The additive part at (b, i, j), 0 without one. */
    float additive(int b, int i, int j) {
        return add == null ? 0f : add[b][0][i * tk + j];
    }

    /** True when key j of entry b is excluded for every query of every head. */
    boolean deadKey(int b, int j) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < tq; i++) {
                if (!excluded(b, h, i, j)) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return mask.toString();
    }
}
