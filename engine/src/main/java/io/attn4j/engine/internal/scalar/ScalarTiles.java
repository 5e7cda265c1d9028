package io.attn4j.engine.internal.scalar;

import io.attn4j.engine.internal.AttentionTiles;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The fused attention's tile kernels in plain Java: the reference the vector ones are tested
 * against, and what runs without the Vector API. Slivers of one key and one value column
 * ({@code packKeys}: key rows as they are; {@code packValues}: value columns), rows one at a time.
 * Every dot product and every output is one FMA chain in the order the vector kernels use.
 */
public final class ScalarTiles implements AttentionTiles {
    /** The one instance; the class keeps no state. */
    public static final ScalarTiles INSTANCE = new ScalarTiles();

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private ScalarTiles() {
    }

    @Override
    public int scratchFloats() {
        return 0;
    }

    @Override
    public int keyQuantum() {
        return 1;
    }

    @Override
    public int valueQuantum() {
        return 1;
    }

    @Override
    public int rowGroup() {
        return 1;
    }

    @Override
    public int rowQuantum() {
        return 1;
    }

    @Override
    public void packKeys(int n, int d, MemorySegment k, long kOff, long ldk, float[] dst, int dstOff) {
        for (int c = 0; c < n; c++) {
            for (int l = 0; l < d; l++) {
                dst[dstOff + c * d + l] = k.getAtIndex(FLOAT, kOff + c * ldk + l);
            }
        }
    }

    @Override
    public void packValues(int n, int dv, MemorySegment v, long vOff, long ldv, float[] dst, int dstOff) {
        for (int c = 0; c < n; c++) {
            for (int t = 0; t < dv; t++) {
                dst[dstOff + t * n + c] = v.getAtIndex(FLOAT, vOff + c * ldv + t);
            }
        }
    }

    @Override
    public void scoreTile(int rows, int n, int d, float scale, float[] q, int qOff, int ldq, float[] kp, int kpOff,
            float[] s, int sOff, int lds, float[] rowMax, int rowMaxOff) {
        for (int r = 0; r < rows; r++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < n; c++) {
                float dot = 0f;
                for (int l = 0; l < d; l++) {
                    dot = Math.fma(q[qOff + r * ldq + l], kp[kpOff + c * d + l], dot);
                }
                float score = scale * dot;
                s[sOff + r * lds + c] = score;
                // a NaN never wins the comparison: it reaches the row through the exp
                m = score > m ? score : m;
            }
            rowMax[rowMaxOff + r] = m;
        }
    }

    @Override
    public void scores(int rows, int n, int d, float scale, MemorySegment q, long qOff, long ldq, MemorySegment k,
            long kOff, long ldk, float[] s, int sOff, int lds, float[] lanes) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < n; c++) {
                float dot = 0f;
                for (int x = 0; x < d; x++) {
                    dot = Math.fma(q.getAtIndex(FLOAT, qOff + r * ldq + x), k.getAtIndex(FLOAT, kOff + c * ldk + x),
                            dot);
                }
                s[sOff + r * lds + c] = scale * dot;
            }
        }
    }

    @Override
    public void softmaxUpdate(float[] s, int off, int lim, int n, float[] max, float[] sum, float[] alpha, int r,
            float blockMax, float[] lanes) {
        float m = max[r];
        if (Float.isNaN(blockMax)) {
            // a NaN never wins the comparison: it reaches the row through the exp, as in the vector kernel
            for (int c = 0; c < lim; c++) {
                m = s[off + c] > m ? s[off + c] : m;
            }
        } else {
            m = Math.max(m, blockMax);
        }
        if (m == Float.NEGATIVE_INFINITY) {
            fill(s, off, 0, n);
            alpha[r] = 1f;
            return;
        }
        float blockSum = 0f;
        for (int c = 0; c < lim; c++) {
            float p = (float) Math.exp(s[off + c] - m);
            s[off + c] = p;
            blockSum += p;
        }
        fill(s, off, lim, n);
        float a = max[r] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(max[r] - m);
        sum[r] = a * sum[r] + blockSum;
        max[r] = m;
        alpha[r] = a;
    }

    @Override
    public void accumulatePacked(int rows, int n, int dv, float[] alpha, int alphaFrom, float[] p, int pOff, int ldp,
            float[] vp, int vpOff, int vpStride, float[] o, int oOff, int ldo, boolean skipZeros) {
        for (int r = 0; r < rows; r++) {
            int pr = pOff + r * ldp, or = oOff + r * ldo;
            float a = alpha[alphaFrom + r];
            for (int t = 0; t < dv; t++) {
                float x = o[or + t] * a;
                for (int c = 0; c < n; c++) {
                    float q = p[pr + c];
                    if (q != 0f || !skipZeros) {
                        x = Math.fma(q, vp[vpOff + t * vpStride + c], x);
                    }
                }
                o[or + t] = x;
            }
        }
    }

    @Override
    public void accumulate(int rows, int n, int dv, float[] alpha, int alphaFrom, float[] p, int pOff, int ldp,
            MemorySegment v, long vOff, long ldv, float[] o, int oOff, int ldo) {
        for (int r = 0; r < rows; r++) {
            int pr = pOff + r * ldp, or = oOff + r * ldo;
            float a = alpha[alphaFrom + r];
            for (int col = 0; col < dv; col++) {
                float x = o[or + col] * a;
                for (int c = 0; c < n; c++) {
                    float q = p[pr + c];
                    if (q != 0f) {
                        x = Math.fma(q, v.getAtIndex(FLOAT, vOff + c * ldv + col), x);
                    }
                }
                o[or + col] = x;
            }
        }
    }

    @Override
    public void scaleInto(float[] src, int srcOff, float f, MemorySegment dst, long dstOff, int n) {
        for (int c = 0; c < n; c++) {
            dst.setAtIndex(FLOAT, dstOff + c, src[srcOff + c] * f);
        }
    }

    private static void fill(float[] s, int off, int from, int to) {
        for (int c = from; c < to; c++) {
            s[off + c] = 0f;
        }
    }
}
