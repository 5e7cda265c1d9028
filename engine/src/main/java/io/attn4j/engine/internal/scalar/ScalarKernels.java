package io.attn4j.engine.internal.scalar;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.SoftmaxMask;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference implementation: plain loops in the order the math is written, element-wise
 * functions through {@link Math} in double precision (error at most 1 ulp of float after the
 * final rounding). It is the oracle every vector kernel is tested against, and the fallback when
 * the Vector API is not usable. Honest, not tuned. It trusts its arguments: callers reach it
 * through {@link io.attn4j.engine.internal.CheckedKernels} or check their operands themselves.
 */
public final class ScalarKernels implements Kernels {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public String name() {
        return "scalar";
    }

    private static float get(MemorySegment s, long i) {
        return s.getAtIndex(FLOAT, i);
    }

    private static void set(MemorySegment s, long i, float v) {
        s.setAtIndex(FLOAT, i, v);
    }

    @Override
    public float dot(int n, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            acc = Math.fma(get(x, xOff + i), get(y, yOff + i), acc);
        }
        return acc;
    }

    @Override
    public void axpy(int n, float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        for (int i = 0; i < n; i++) {
            set(y, yOff + i, Math.fma(alpha, get(x, xOff + i), get(y, yOff + i)));
        }
    }

    @Override
    public void scale(int n, float alpha, MemorySegment x, long xOff) {
        for (int i = 0; i < n; i++) {
            set(x, xOff + i, alpha * get(x, xOff + i));
        }
    }

    @Override
    public void add(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        for (int i = 0; i < n; i++) {
            set(out, outOff + i, get(a, aOff + i) + get(b, bOff + i));
        }
    }

    @Override
    public void mul(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        for (int i = 0; i < n; i++) {
            set(out, outOff + i, get(a, aOff + i) * get(b, bOff + i));
        }
    }

    @Override
    public void fma(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment c, long cOff,
            MemorySegment out, long outOff) {
        for (int i = 0; i < n; i++) {
            set(out, outOff + i, Math.fma(get(a, aOff + i), get(b, bOff + i), get(c, cOff + i)));
        }
    }

    @Override
    public float sum(int n, MemorySegment x, long xOff) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            acc += get(x, xOff + i);
        }
        return acc;
    }

    @Override
    public float max(int n, MemorySegment x, long xOff) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = get(x, xOff + i);
            if (Float.isNaN(v)) {
                return Float.NaN;
            }
            m = Math.max(m, v);
        }
        return m;
    }

    @Override
    public int argmax(int n, MemorySegment x, long xOff) {
        int best = -1;
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = get(x, xOff + i);
            if (Float.isNaN(v)) {
                return i;
            }
            if (best < 0 || v > m) {
                best = i;
                m = v;
            }
        }
        return best;
    }

    @Override
    public void exp(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        for (int i = 0; i < n; i++) {
            set(out, outOff + i, (float) Math.exp(get(x, xOff + i)));
        }
    }

    @Override
    public void tanh(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        for (int i = 0; i < n; i++) {
            set(out, outOff + i, (float) Math.tanh(get(x, xOff + i)));
        }
    }

    @Override
    public void sigmoid(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        for (int i = 0; i < n; i++) {
            set(out, outOff + i, (float) (1.0 / (1.0 + Math.exp(-(double) get(x, xOff + i)))));
        }
    }

    @Override
    public void relu(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        for (int i = 0; i < n; i++) {
            float v = get(x, xOff + i);
            set(out, outOff + i, v > 0f || Float.isNaN(v) ? v : 0f);
        }
    }

    @Override
    public void softmaxRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx,
            SoftmaxMask mask, MemorySegment out, long outOff, long ldo) {
        for (int r = 0; r < rows; r++) {
            long xi = xOff + r * ldx, oi = outOff + r * ldo;
            // z[c] = scale * x[r, c] + additive[r, c], or -inf where excluded: written to out first
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                float z = maskedScore(mask, r, c, scale * get(x, xi + c));
                set(out, oi + c, z);
                max = Float.isNaN(z) || Float.isNaN(max) ? Float.NaN : Math.max(max, z);
            }
            if (max == Float.NEGATIVE_INFINITY) { // every key excluded: the project's rule is zeros
                for (int c = 0; c < cols; c++) {
                    set(out, oi + c, 0f);
                }
                continue;
            }
            float sum = 0f;
            for (int c = 0; c < cols; c++) {
                float e = (float) Math.exp(get(out, oi + c) - max);
                set(out, oi + c, e);
                sum += e;
            }
            float inv = 1f / sum;
            for (int c = 0; c < cols; c++) {
                set(out, oi + c, get(out, oi + c) * inv);
            }
        }
    }

    /** Score (r, c) after the additive mask, or -inf where the boolean mask excludes it. */
    public static float maskedScore(SoftmaxMask mask, int r, int c, float scaled) {
        if (mask == null) {
            return scaled;
        }
        if (mask.excluded() != null
                && mask.excluded().get(ValueLayout.JAVA_BYTE, mask.exOffset() + r * mask.exLd() + c) != 0) {
            return Float.NEGATIVE_INFINITY;
        }
        if (mask.additive() != null) {
            return scaled + get(mask.additive(), mask.addOffset() + r * mask.addLd() + c);
        }
        return scaled;
    }

    @Override
    public float logSumExp(int n, MemorySegment x, long xOff) {
        float max = max(n, x, xOff);
        if (Float.isNaN(max) || max == Float.NEGATIVE_INFINITY || max == Float.POSITIVE_INFINITY) {
            return max;
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += (float) Math.exp(get(x, xOff + i) - max);
        }
        return max + (float) Math.log(sum);
    }

    @Override
    public void gemv(Transpose transA, int m, int n, float alpha, MemorySegment a, long aOff, long lda,
            MemorySegment x, long xOff, float beta, MemorySegment y, long yOff) {
        boolean t = transA == Transpose.YES;
        int outs = t ? n : m, terms = t ? m : n;
        for (int i = 0; i < outs; i++) {
            float acc = 0f;
            for (int l = 0; l < terms; l++) {
                float aij = t ? get(a, aOff + l * lda + i) : get(a, aOff + i * lda + l);
                acc = Math.fma(aij, get(x, xOff + l), acc);
            }
            set(y, yOff + i, beta == 0f ? alpha * acc : Math.fma(beta, get(y, yOff + i), alpha * acc));
        }
    }

    @Override
    public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
            MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
            float beta, MemorySegment c, long cOff, long ldc) {
        boolean ta = transA == Transpose.YES, tb = transB == Transpose.YES;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int l = 0; l < k; l++) {
                    float ail = ta ? get(a, aOff + l * lda + i) : get(a, aOff + i * lda + l);
                    float blj = tb ? get(b, bOff + j * ldb + l) : get(b, bOff + l * ldb + j);
                    acc = Math.fma(ail, blj, acc);
                }
                long ci = cOff + i * ldc + j;
                set(c, ci, beta == 0f ? alpha * acc : Math.fma(beta, get(c, ci), alpha * acc));
            }
        }
    }

    @Override
    public PackedMatrix packB(Transpose transB, int k, int n, MemorySegment b, long bOff, long ldb) {
        float[] values = new float[Math.multiplyExact(k, n)];
        for (int l = 0; l < k; l++) {
            for (int j = 0; j < n; j++) {
                values[l * n + j] = transB == Transpose.NO ? get(b, bOff + l * ldb + j) : get(b, bOff + j * ldb + l);
            }
        }
        return new RowMajorPacked(k, n, values, name());
    }

    @Override
    public void gemm(Transpose transA, int m, float alpha, MemorySegment a, long aOff, long lda,
            PackedMatrix b, float beta, MemorySegment c, long cOff, long ldc) {
        float[] bv = ((RowMajorPacked) b).values;
        int n = b.n(), k = b.k();
        boolean ta = transA == Transpose.YES;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int l = 0; l < k; l++) {
                    float ail = ta ? get(a, aOff + l * lda + i) : get(a, aOff + i * lda + l);
                    acc = Math.fma(ail, bv[l * n + j], acc);
                }
                long ci = cOff + i * ldc + j;
                set(c, ci, beta == 0f ? alpha * acc : Math.fma(beta, get(c, ci), alpha * acc));
            }
        }
    }
}
