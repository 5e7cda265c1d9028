package io.attn4j.engine.internal.scalar;

import io.attn4j.engine.internal.AttentionTiles;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference tile kernels of the fused attention: plain loops, each dot an FMA chain in feature
 * order, exp in double rounded to float. {@link #accumulate} performs the same operations in the
 * same order as each lane of the vector kernel, so its results are the vector kernel's bits.
 */
public final class ScalarTiles implements AttentionTiles {
    /** The one instance: stateless. */
    public static final ScalarTiles INSTANCE = new ScalarTiles();

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private ScalarTiles() {
    }

    @Override
    public int scratchFloats() {
        return 0;
    }

    @Override
    public int rowQuantum() {
        return 1;
    }

    @Override
    public void scores(int rows, int n, int d, float scale, MemorySegment q, long qOff, long ldq, MemorySegment k,
            long kOff, long ldk, MemorySegment s, long sOff, long lds, float[] lanes) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < n; c++) {
                float dot = 0f;
                for (int x = 0; x < d; x++) {
                    dot = Math.fma(q.getAtIndex(FLOAT, qOff + r * ldq + x), k.getAtIndex(FLOAT, kOff + c * ldk + x),
                            dot);
                }
                s.setAtIndex(FLOAT, sOff + r * lds + c, scale * dot);
            }
        }
    }

    @Override
    public void softmaxUpdate(MemorySegment s, long off, int lim, int n, float[] max, float[] sum, float[] alpha,
            int r, float[] lanes) {
        // a NaN never wins the comparison: it reaches the row through the exp, as in the vector kernel
        float m = max[r];
        for (int c = 0; c < lim; c++) {
            float x = s.getAtIndex(FLOAT, off + c);
            if (x > m) {
                m = x;
            }
        }
        if (m == Float.NEGATIVE_INFINITY) {
            fill(s, off, 0, n);
            alpha[r] = 1f;
            return;
        }
        float blockSum = 0f;
        for (int c = 0; c < lim; c++) {
            float p = (float) Math.exp(s.getAtIndex(FLOAT, off + c) - m);
            s.setAtIndex(FLOAT, off + c, p);
            blockSum += p;
        }
        fill(s, off, lim, n);
        float a = max[r] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(max[r] - m);
        sum[r] = a * sum[r] + blockSum;
        max[r] = m;
        alpha[r] = a;
    }

    @Override
    public void accumulate(int rows, int n, int dv, float[] alpha, int alphaFrom, MemorySegment p, long pOff,
            long ldp, MemorySegment v, long vOff, long ldv, MemorySegment o, long oOff, long ldo) {
        for (int r = 0; r < rows; r++) {
            accumulateColumns(n, 0, dv, alpha[alphaFrom + r], p, pOff + r * ldp, v, vOff, ldv, o, oOff + r * ldo);
        }
    }

    /**
     * Columns {@code [from, dv)} of one output row: {@code x = a o}, then one FMA per key in key
     * order, skipping zero weights; also the tail of the vector kernel's rows.
     */
    public static void accumulateColumns(int n, int from, int dv, float a, MemorySegment p, long pOff,
            MemorySegment v, long vOff, long ldv, MemorySegment o, long oOff) {
        for (int col = from; col < dv; col++) {
            float x = o.getAtIndex(FLOAT, oOff + col) * a;
            for (int c = 0; c < n; c++) {
                float q = p.getAtIndex(FLOAT, pOff + c);
                if (q != 0f) {
                    x = Math.fma(q, v.getAtIndex(FLOAT, vOff + c * ldv + col), x);
                }
            }
            o.setAtIndex(FLOAT, oOff + col, x);
        }
    }

    @Override
    public void scaleInto(MemorySegment src, long srcOff, float f, MemorySegment dst, long dstOff, int n) {
        for (int c = 0; c < n; c++) {
            dst.setAtIndex(FLOAT, dstOff + c, src.getAtIndex(FLOAT, srcOff + c) * f);
        }
    }

    private static void fill(MemorySegment s, long off, int from, int to) {
        for (int c = from; c < to; c++) {
            s.setAtIndex(FLOAT, off + c, 0f);
        }
    }
}
