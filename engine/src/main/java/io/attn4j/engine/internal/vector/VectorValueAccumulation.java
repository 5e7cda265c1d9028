package io.attn4j.engine.internal.vector;

import static jdk.incubator.vector.FloatVector.broadcast;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import io.attn4j.engine.internal.scalar.ScalarTiles;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The P V step of the fused attention: for each row {@code r} of a tile,
 * <pre>
 *   O [r, :] = alpha[r] * O [r, :] + sum_c P [r, c] V [c, :]      O [rows, dv], P [rows, n], V [n, dv]
 * </pre>
 * Register-blocked: four rows by two vectors of columns (8 accumulators, 2 value loads and 4
 * broadcasts per key: the 16 registers of AVX2 hold them with room, and 8 independent FMA chains
 * cover the FMA latency), loaded from O once, rescaled by alpha, updated over all n keys, stored
 * once. Leftover rows (and decoding's single row) go one at a time with eight vectors of columns
 * (eight accumulators, one load each per key: a 128-wide head at 512 bits in one pass over V), then
 * two; leftover columns one vector, then scalars. Keys whose p is zero in every row of a group are skipped, so a value row that no
 * row of the group attends to is never read (masked keys may hold NaN).
 *
 * <p>Vectors are created and consumed inside each method, never passed to or returned from a
 * helper: a vector crossing a call the JIT does not inline is boxed on the heap.
 *
 * <p>Error: each output is an FMA chain over n terms, {@code n * eps * sum_c |p_c v_c|}, plus
 * one rounding for the rescale. The sum runs in key order, the same for any split of the rows.
 */
final class VectorValueAccumulation {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int L = Simd.LANES;
    /** Bytes of one vector. */
    private static final long VB = (long) L * Float.BYTES;

    private VectorValueAccumulation() {
    }

    /**
     * @param alpha per-row rescale factors, {@code alpha[alphaFrom + r]} for row r
     * @param p {@code [rows, n]} at {@code pOff}, row stride {@code ldp}; not modified
     * @param v {@code [n, dv]} at {@code vOff}, row stride {@code ldv}; not modified
     * @param o {@code [rows, dv]} at {@code oOff}, row stride {@code ldo}; updated
     */
    static void accumulate(int rows, int n, int dv, float[] alpha, int alphaFrom, MemorySegment p, long pOff, long ldp,
            MemorySegment v, long vOff, long ldv, MemorySegment o, long oOff, long ldo) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            fourRows(n, dv, alpha, alphaFrom + r, p, pOff + r * ldp, ldp, v, vOff, ldv, o, oOff + r * ldo, ldo);
        }
        for (; r < rows; r++) {
            oneRow(n, dv, alpha[alphaFrom + r], p, pOff + r * ldp, v, vOff, ldv, o, oOff + r * ldo);
        }
    }

    private static void fourRows(int n, int dv, float[] alpha, int a, MemorySegment p, long pOff, long ldp,
            MemorySegment v, long vOff, long ldv, MemorySegment o, long oOff, long ldo) {
        float a0 = alpha[a], a1 = alpha[a + 1], a2 = alpha[a + 2], a3 = alpha[a + 3];
        long p0 = pOff, p1 = pOff + ldp, p2 = pOff + 2 * ldp, p3 = pOff + 3 * ldp;
        long o0 = oOff * 4, o1 = (oOff + ldo) * 4, o2 = (oOff + 2 * ldo) * 4, o3 = (oOff + 3 * ldo) * 4;
        int col = 0;
        for (; col + 2 * L <= dv; col += 2 * L) {
            long cb = (long) col * 4;
            FloatVector x00 = fromMemorySegment(S, o, o0 + cb, ORDER).mul(a0);
            FloatVector x01 = fromMemorySegment(S, o, o0 + cb + VB, ORDER).mul(a0);
            FloatVector x10 = fromMemorySegment(S, o, o1 + cb, ORDER).mul(a1);
            FloatVector x11 = fromMemorySegment(S, o, o1 + cb + VB, ORDER).mul(a1);
            FloatVector x20 = fromMemorySegment(S, o, o2 + cb, ORDER).mul(a2);
            FloatVector x21 = fromMemorySegment(S, o, o2 + cb + VB, ORDER).mul(a2);
            FloatVector x30 = fromMemorySegment(S, o, o3 + cb, ORDER).mul(a3);
            FloatVector x31 = fromMemorySegment(S, o, o3 + cb + VB, ORDER).mul(a3);
            for (int c = 0; c < n; c++) {
                float q0 = p.getAtIndex(FLOAT, p0 + c), q1 = p.getAtIndex(FLOAT, p1 + c);
                float q2 = p.getAtIndex(FLOAT, p2 + c), q3 = p.getAtIndex(FLOAT, p3 + c);
                if (q0 == 0f && q1 == 0f && q2 == 0f && q3 == 0f) {
                    continue;
                }
                long vb = (vOff + c * ldv) * 4 + cb;
                FloatVector v0 = fromMemorySegment(S, v, vb, ORDER), v1 = fromMemorySegment(S, v, vb + VB, ORDER);
                FloatVector b0 = broadcast(S, q0), b1 = broadcast(S, q1), b2 = broadcast(S, q2), b3 = broadcast(S, q3);
                x00 = v0.fma(b0, x00);
                x01 = v1.fma(b0, x01);
                x10 = v0.fma(b1, x10);
                x11 = v1.fma(b1, x11);
                x20 = v0.fma(b2, x20);
                x21 = v1.fma(b2, x21);
                x30 = v0.fma(b3, x30);
                x31 = v1.fma(b3, x31);
            }
            x00.intoMemorySegment(o, o0 + cb, ORDER);
            x01.intoMemorySegment(o, o0 + cb + VB, ORDER);
            x10.intoMemorySegment(o, o1 + cb, ORDER);
            x11.intoMemorySegment(o, o1 + cb + VB, ORDER);
            x20.intoMemorySegment(o, o2 + cb, ORDER);
            x21.intoMemorySegment(o, o2 + cb + VB, ORDER);
            x30.intoMemorySegment(o, o3 + cb, ORDER);
            x31.intoMemorySegment(o, o3 + cb + VB, ORDER);
        }
        for (; col + L <= dv; col += L) {
            long cb = (long) col * 4;
            FloatVector x0 = fromMemorySegment(S, o, o0 + cb, ORDER).mul(a0);
            FloatVector x1 = fromMemorySegment(S, o, o1 + cb, ORDER).mul(a1);
            FloatVector x2 = fromMemorySegment(S, o, o2 + cb, ORDER).mul(a2);
            FloatVector x3 = fromMemorySegment(S, o, o3 + cb, ORDER).mul(a3);
            for (int c = 0; c < n; c++) {
                float q0 = p.getAtIndex(FLOAT, p0 + c), q1 = p.getAtIndex(FLOAT, p1 + c);
                float q2 = p.getAtIndex(FLOAT, p2 + c), q3 = p.getAtIndex(FLOAT, p3 + c);
                if (q0 == 0f && q1 == 0f && q2 == 0f && q3 == 0f) {
                    continue;
                }
                FloatVector v0 = fromMemorySegment(S, v, (vOff + c * ldv) * 4 + cb, ORDER);
                x0 = v0.fma(broadcast(S, q0), x0);
                x1 = v0.fma(broadcast(S, q1), x1);
                x2 = v0.fma(broadcast(S, q2), x2);
                x3 = v0.fma(broadcast(S, q3), x3);
            }
            x0.intoMemorySegment(o, o0 + cb, ORDER);
            x1.intoMemorySegment(o, o1 + cb, ORDER);
            x2.intoMemorySegment(o, o2 + cb, ORDER);
            x3.intoMemorySegment(o, o3 + cb, ORDER);
        }
        if (col < dv) {
            ScalarTiles.accumulateColumns(n, col, dv, a0, p, p0, v, vOff, ldv, o, oOff);
            ScalarTiles.accumulateColumns(n, col, dv, a1, p, p1, v, vOff, ldv, o, oOff + ldo);
            ScalarTiles.accumulateColumns(n, col, dv, a2, p, p2, v, vOff, ldv, o, oOff + 2 * ldo);
            ScalarTiles.accumulateColumns(n, col, dv, a3, p, p3, v, vOff, ldv, o, oOff + 3 * ldo);
        }
    }

    private static void oneRow(int n, int dv, float a, MemorySegment p, long pOff, MemorySegment v, long vOff, long ldv,
            MemorySegment o, long oOff) {
        long ob = oOff * 4;
        int col = 0;
        // eight vectors of columns (a whole head of 128 at 512 bits): each value row read in one pass
        for (; col + 8 * L <= dv; col += 8 * L) {
            long cb = ob + (long) col * 4;
            FloatVector x0 = fromMemorySegment(S, o, cb, ORDER).mul(a);
            FloatVector x1 = fromMemorySegment(S, o, cb + VB, ORDER).mul(a);
            FloatVector x2 = fromMemorySegment(S, o, cb + 2 * VB, ORDER).mul(a);
            FloatVector x3 = fromMemorySegment(S, o, cb + 3 * VB, ORDER).mul(a);
            FloatVector x4 = fromMemorySegment(S, o, cb + 4 * VB, ORDER).mul(a);
            FloatVector x5 = fromMemorySegment(S, o, cb + 5 * VB, ORDER).mul(a);
            FloatVector x6 = fromMemorySegment(S, o, cb + 6 * VB, ORDER).mul(a);
            FloatVector x7 = fromMemorySegment(S, o, cb + 7 * VB, ORDER).mul(a);
            for (int c = 0; c < n; c++) {
                float q = p.getAtIndex(FLOAT, pOff + c);
                if (q == 0f) {
                    continue;
                }
                long vb = (vOff + c * ldv + col) * 4;
                FloatVector b = broadcast(S, q);
                x0 = fromMemorySegment(S, v, vb, ORDER).fma(b, x0);
                x1 = fromMemorySegment(S, v, vb + VB, ORDER).fma(b, x1);
                x2 = fromMemorySegment(S, v, vb + 2 * VB, ORDER).fma(b, x2);
                x3 = fromMemorySegment(S, v, vb + 3 * VB, ORDER).fma(b, x3);
                x4 = fromMemorySegment(S, v, vb + 4 * VB, ORDER).fma(b, x4);
                x5 = fromMemorySegment(S, v, vb + 5 * VB, ORDER).fma(b, x5);
                x6 = fromMemorySegment(S, v, vb + 6 * VB, ORDER).fma(b, x6);
                x7 = fromMemorySegment(S, v, vb + 7 * VB, ORDER).fma(b, x7);
            }
            x0.intoMemorySegment(o, cb, ORDER);
            x1.intoMemorySegment(o, cb + VB, ORDER);
            x2.intoMemorySegment(o, cb + 2 * VB, ORDER);
            x3.intoMemorySegment(o, cb + 3 * VB, ORDER);
            x4.intoMemorySegment(o, cb + 4 * VB, ORDER);
            x5.intoMemorySegment(o, cb + 5 * VB, ORDER);
            x6.intoMemorySegment(o, cb + 6 * VB, ORDER);
            x7.intoMemorySegment(o, cb + 7 * VB, ORDER);
        }
        for (; col + 2 * L <= dv; col += 2 * L) {
            long cb = ob + (long) col * 4;
            FloatVector x0 = fromMemorySegment(S, o, cb, ORDER).mul(a);
            FloatVector x1 = fromMemorySegment(S, o, cb + VB, ORDER).mul(a);
            for (int c = 0; c < n; c++) {
                float q = p.getAtIndex(FLOAT, pOff + c);
                if (q == 0f) {
                    continue;
                }
                long vb = (vOff + c * ldv + col) * 4;
                FloatVector b = broadcast(S, q);
                x0 = fromMemorySegment(S, v, vb, ORDER).fma(b, x0);
                x1 = fromMemorySegment(S, v, vb + VB, ORDER).fma(b, x1);
            }
            x0.intoMemorySegment(o, cb, ORDER);
            x1.intoMemorySegment(o, cb + VB, ORDER);
        }
        for (; col + L <= dv; col += L) {
            long cb = ob + (long) col * 4;
            FloatVector x = fromMemorySegment(S, o, cb, ORDER).mul(a);
            for (int c = 0; c < n; c++) {
                float q = p.getAtIndex(FLOAT, pOff + c);
                if (q != 0f) {
                    x = fromMemorySegment(S, v, (vOff + c * ldv + col) * 4, ORDER).fma(broadcast(S, q), x);
                }
            }
            x.intoMemorySegment(o, cb, ORDER);
        }
        ScalarTiles.accumulateColumns(n, col, dv, a, p, pOff, v, vOff, ldv, o, oOff);
    }
}
