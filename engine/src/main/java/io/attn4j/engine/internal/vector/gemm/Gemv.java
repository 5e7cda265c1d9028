package io.attn4j.engine.internal.vector.gemm;

import io.attn4j.engine.internal.vector.Simd;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector GEMV, {@code y = alpha * op(A) x + beta * y}, with the contract of
 * {@link Kernels#gemv}: {@code A} is {@code m x n} row-major with leading dimension {@code lda};
 * {@code y} is not read when beta is 0.
 * <ul>
 *   <li>{@code op(A) = A}: one dot product per row, four rows at a time, a quarter of A apart:
 *       four sequential streams through A, each row in address order, x reused from L1 (faster
 *       than one row at a time or adjacent rows side by side: {@code docs/performance-notes.md}).</li>
 *   <li>{@code op(A) = A^T}: {@code y} is a sum of the rows of A weighted by x, accumulated
 *       four rows at a time into a per-thread scratch row, so A is read row by row, in address
 *       order, and the old y is read once at the end.</li>
 * </ul>
 * GEMV reads each element of A once, so it runs at memory bandwidth for any A beyond the caches.
 *
 * <p>Error per output: {@code |err| <= k * eps * |alpha| * sum |a x|} over its {@code k} terms,
 * plus the rounding of the beta term.
 *
 * <p>The lanes of each row's dot are summed with {@code reduceLanes}, whose order C2 and the
 * interpreter choose differently, so the last bits of y can change once this code is compiled
 * ({@link io.attn4j.engine.internal.vector.LaneSum} fixes the order, but in this loop its lane moves
 * exceed C2's inlining budget and box vectors on every row, which costs more than it gives here).
 */
public final class Gemv {
    private static final VectorSpecies<Float> SPECIES = Simd.SPECIES;
    private static final int L = Simd.LANES;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Rows of A that the GEMV's dots read side by side, each a quarter of A apart. */
    private static final int STREAMS = 4;
    /** Rows of A added to the transposed GEMV's sums together. */
    private static final int ROWS = 4;
    /** The transposed GEMV's sums, {@code n} floats, kept per thread so that no call allocates. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private Gemv() {
    }

    /** Arguments are already checked by the caller ({@code KernelArgs.gemv}). */
    public static void gemv(Transpose transA, int m, int n, float alpha, MemorySegment a, long aOff, long lda,
            MemorySegment x, long xOff, float beta, MemorySegment y, long yOff) {
        if (transA == Transpose.NO) {
            rowDots(m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
        } else {
            rowSums(m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
        }
    }

    /** {@code y[i] = alpha * dot(A[i, :], x) + beta * y[i]}. */
    private static void rowDots(int m, int n, float alpha, MemorySegment a, long aOff, long lda,
            MemorySegment x, long xOff, float beta, MemorySegment y, long yOff) {
        int bound = SPECIES.loopBound(n);
        // Four rows a quarter of the rows apart: four sequential streams through A, which the
        // hardware prefetchers run side by side (one row at a time, or adjacent rows, keep fewer
        // lines in flight). Each row is one FMA chain over its vectors; x is loaded once for four.
        int q = m / STREAMS;
        long step = q * lda;
        for (int i = 0; i < q; i++) {
            long a0 = aOff + i * lda, a1 = a0 + step, a2 = a1 + step, a3 = a2 + step;
            FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
            for (int l = 0; l < bound; l += L) {
                FloatVector xl = load(x, xOff + l);
                s0 = load(a, a0 + l).fma(xl, s0);
                s1 = load(a, a1 + l).fma(xl, s1);
                s2 = load(a, a2 + l).fma(xl, s2);
                s3 = load(a, a3 + l).fma(xl, s3);
            }
            put(y, yOff + i, alpha, tail(s0.reduceLanes(VectorOperators.ADD), bound, n, a, a0, x, xOff), beta);
            put(y, yOff + i + q, alpha, tail(s1.reduceLanes(VectorOperators.ADD), bound, n, a, a1, x, xOff), beta);
            put(y, yOff + i + 2 * q, alpha, tail(s2.reduceLanes(VectorOperators.ADD), bound, n, a, a2, x, xOff), beta);
            put(y, yOff + i + 3 * q, alpha, tail(s3.reduceLanes(VectorOperators.ADD), bound, n, a, a3, x, xOff), beta);
        }
        for (int i = STREAMS * q; i < m; i++) {
            long ai = aOff + i * lda;
            FloatVector s = FloatVector.zero(SPECIES);
            for (int l = 0; l < bound; l += L) {
                s = load(a, ai + l).fma(load(x, xOff + l), s);
            }
            put(y, yOff + i, alpha, tail(s.reduceLanes(VectorOperators.ADD), bound, n, a, ai, x, xOff), beta);
        }
    }

    /** The row's dot: the sum of its vector part's lanes, then the terms from {@code bound} to {@code n}. */
    private static float tail(float d, int bound, int n, MemorySegment a, long ai, MemorySegment x, long xOff) {
        for (int l = bound; l < n; l++) {
            d = Math.fma(a.getAtIndex(FLOAT, ai + l), x.getAtIndex(FLOAT, xOff + l), d);
        }
        return d;
    }

    /** {@code y[j] = alpha * sum_i x[i] A[i, j] + beta * y[j]}. */
    private static void rowSums(int m, int n, float alpha, MemorySegment a, long aOff, long lda,
            MemorySegment x, long xOff, float beta, MemorySegment y, long yOff) {
        float[] sum = scratch(n);
        Arrays.fill(sum, 0, n, 0f);
        int bound = SPECIES.loopBound(n);
        int i = 0;
        // sum[:] += x[i] A[i, :] for four rows per pass over sum: one load and store of sum per
        // four FMAs; the chains of different columns are independent.
        for (; i + ROWS <= m; i += ROWS) {
            long a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            float x0 = x.getAtIndex(FLOAT, xOff + i), x1 = x.getAtIndex(FLOAT, xOff + i + 1);
            float x2 = x.getAtIndex(FLOAT, xOff + i + 2), x3 = x.getAtIndex(FLOAT, xOff + i + 3);
            FloatVector v0 = FloatVector.broadcast(SPECIES, x0), v1 = FloatVector.broadcast(SPECIES, x1);
            FloatVector v2 = FloatVector.broadcast(SPECIES, x2), v3 = FloatVector.broadcast(SPECIES, x3);
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector s = FloatVector.fromArray(SPECIES, sum, j);
                s = load(a, a0 + j).fma(v0, s);
                s = load(a, a1 + j).fma(v1, s);
                s = load(a, a2 + j).fma(v2, s);
                s = load(a, a3 + j).fma(v3, s);
                s.intoArray(sum, j);
            }
            for (; j < n; j++) {
                float s = Math.fma(a.getAtIndex(FLOAT, a0 + j), x0, sum[j]);
                s = Math.fma(a.getAtIndex(FLOAT, a1 + j), x1, s);
                s = Math.fma(a.getAtIndex(FLOAT, a2 + j), x2, s);
                sum[j] = Math.fma(a.getAtIndex(FLOAT, a3 + j), x3, s);
            }
        }
        for (; i < m; i++) {
            long ai = aOff + i * lda;
            float xi = x.getAtIndex(FLOAT, xOff + i);
            FloatVector vi = FloatVector.broadcast(SPECIES, xi);
            int j = 0;
            for (; j < bound; j += L) {
                load(a, ai + j).fma(vi, FloatVector.fromArray(SPECIES, sum, j)).intoArray(sum, j);
            }
            for (; j < n; j++) {
                sum[j] = Math.fma(a.getAtIndex(FLOAT, ai + j), xi, sum[j]);
            }
        }
        for (int j = 0; j < n; j++) {
            put(y, yOff + j, alpha, sum[j], beta);
        }
    }

    private static FloatVector load(MemorySegment s, long index) {
        return FloatVector.fromMemorySegment(SPECIES, s, 4 * index, ORDER);
    }

    /** {@code y[at] = alpha * dot + beta * y[at]}, y unread when beta is 0. */
    private static void put(MemorySegment y, long at, float alpha, float dot, float beta) {
        float scaled = alpha * dot;
        y.setAtIndex(FLOAT, at, beta == 0f ? scaled : Math.fma(beta, y.getAtIndex(FLOAT, at), scaled));
    }

    private static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s.length < n) {
            s = new float[n];
            SCRATCH.set(s);
        }
        return s;
    }
}
