package io.attn4j.engine.internal.vector;

import static jdk.incubator.vector.FloatVector.broadcast;
import static jdk.incubator.vector.FloatVector.fromArray;
import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The P V step of the fused attention: for each row {@code r} of a tile,
 * <pre>
 *   O [r, :] = alpha[r] * O [r, :] + sum_c P [r, c] V [c, :]      O [rows, dv], P [rows, n], V [n, dv]
 * </pre>
 * each output one FMA chain over the keys in order (the same bits for any split of the rows).
 *
 * <ul>
 *   <li>{@link #accumulatePacked}, a block of queries, values packed in column slivers of two
 *       vectors: the GEMM micro-kernel's shape, six rows by one sliver (12 accumulators; two value
 *       loads and six broadcasts per key), loaded from O once, rescaled by alpha, updated over all
 *       n keys, stored once; rows left over go one at a time. Every array index is linear in the
 *       key with a constant step, so C2 hoists the bounds checks out of the loop.</li>
 *   <li>{@link #accumulate}, a few rows (decoding), values read in place: four rows by two
 *       vectors of columns, then single rows with eight vectors (a 128-wide head at 512 bits in
 *       one pass over V), then two; leftover columns one vector, then scalars. The keys go in
 *       runs that some row of the group attends to, two value rows per step, with no test per
 *       key inside a run.</li>
 * </ul>
 * Keys whose p is zero in every row of a group are skipped where asked (always in
 * {@link #accumulate}), so a value row that no row of the group attends to is never read (masked
 * keys may hold NaN).
 *
 * <p>Vectors are created and consumed inside each method, never passed to or returned from a
 * helper: a vector crossing a call the JIT does not inline is boxed on the heap.
 *
 * <p>Error: each output is an FMA chain over n terms, {@code n * eps * sum_c |p_c v_c|}, plus
 * one rounding for the rescale.
 */
final class VectorValueAccumulation {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int L = Simd.LANES;
    /** Columns of a packed value sliver: two vectors. */
    static final int NR = 2 * L;
    /** Rows of the packed step's register block. */
    static final int MR = 6;
    /** Bytes of one vector. */
    private static final long VB = (long) L * Float.BYTES;

    private VectorValueAccumulation() {
    }

    /** See {@link io.attn4j.engine.internal.AttentionTiles#accumulatePacked}. */
    static void accumulatePacked(int rows, int n, int dv, float[] alpha, int alphaFrom, float[] p, int pOff, int ldp,
            float[] vp, int vpOff, int vpStride, float[] o, int oOff, int ldo, boolean skipZeros) {
        for (int col = 0, t = 0; col < dv; col += NR, t++) {
            int v = vpOff + t * vpStride;
            int r = 0;
            for (; r + MR <= rows; r += MR) {
                if (skipZeros) {
                    sixRowsSkipping(n, alpha, alphaFrom + r, p, pOff + r * ldp, ldp, vp, v, o, oOff + r * ldo + col,
                            ldo);
                } else {
                    sixRows(n, alpha, alphaFrom + r, p, pOff + r * ldp, ldp, vp, v, o, oOff + r * ldo + col, ldo);
                }
            }
            for (; r < rows; r++) {
                oneRowPacked(n, alpha[alphaFrom + r], p, pOff + r * ldp, vp, v, o, oOff + r * ldo + col);
            }
        }
    }

    private static void sixRows(int n, float[] alpha, int a, float[] p, int pAt, int ldp, float[] vp, int vAt,
            float[] o, int oAt, int ldo) {
        float a0 = alpha[a], a1 = alpha[a + 1], a2 = alpha[a + 2], a3 = alpha[a + 3], a4 = alpha[a + 4];
        float a5 = alpha[a + 5];
        int o1 = oAt + ldo, o2 = o1 + ldo, o3 = o2 + ldo, o4 = o3 + ldo, o5 = o4 + ldo;
        FloatVector x00 = fromArray(S, o, oAt).mul(a0), x01 = fromArray(S, o, oAt + L).mul(a0);
        FloatVector x10 = fromArray(S, o, o1).mul(a1), x11 = fromArray(S, o, o1 + L).mul(a1);
        FloatVector x20 = fromArray(S, o, o2).mul(a2), x21 = fromArray(S, o, o2 + L).mul(a2);
        FloatVector x30 = fromArray(S, o, o3).mul(a3), x31 = fromArray(S, o, o3 + L).mul(a3);
        FloatVector x40 = fromArray(S, o, o4).mul(a4), x41 = fromArray(S, o, o4 + L).mul(a4);
        FloatVector x50 = fromArray(S, o, o5).mul(a5), x51 = fromArray(S, o, o5 + L).mul(a5);
        for (int c = 0; c < n; c++) {
            int vi = vAt + c * NR, pi = pAt + c;
            FloatVector v0 = fromArray(S, vp, vi), v1 = fromArray(S, vp, vi + L);
            FloatVector b = broadcast(S, p[pi]);
            x00 = b.fma(v0, x00);
            x01 = b.fma(v1, x01);
            b = broadcast(S, p[pi + ldp]);
            x10 = b.fma(v0, x10);
            x11 = b.fma(v1, x11);
            b = broadcast(S, p[pi + 2 * ldp]);
            x20 = b.fma(v0, x20);
            x21 = b.fma(v1, x21);
            b = broadcast(S, p[pi + 3 * ldp]);
            x30 = b.fma(v0, x30);
            x31 = b.fma(v1, x31);
            b = broadcast(S, p[pi + 4 * ldp]);
            x40 = b.fma(v0, x40);
            x41 = b.fma(v1, x41);
            b = broadcast(S, p[pi + 5 * ldp]);
            x50 = b.fma(v0, x50);
            x51 = b.fma(v1, x51);
        }
        x00.intoArray(o, oAt);
        x01.intoArray(o, oAt + L);
        x10.intoArray(o, o1);
        x11.intoArray(o, o1 + L);
        x20.intoArray(o, o2);
        x21.intoArray(o, o2 + L);
        x30.intoArray(o, o3);
        x31.intoArray(o, o3 + L);
        x40.intoArray(o, o4);
        x41.intoArray(o, o4 + L);
        x50.intoArray(o, o5);
        x51.intoArray(o, o5 + L);
    }

    /** {@link #sixRows}, skipping the keys whose p is zero in all six rows. */
    private static void sixRowsSkipping(int n, float[] alpha, int a, float[] p, int pAt, int ldp, float[] vp, int vAt,
            float[] o, int oAt, int ldo) {
        float a0 = alpha[a], a1 = alpha[a + 1], a2 = alpha[a + 2], a3 = alpha[a + 3], a4 = alpha[a + 4];
        float a5 = alpha[a + 5];
        int o1 = oAt + ldo, o2 = o1 + ldo, o3 = o2 + ldo, o4 = o3 + ldo, o5 = o4 + ldo;
        FloatVector x00 = fromArray(S, o, oAt).mul(a0), x01 = fromArray(S, o, oAt + L).mul(a0);
        FloatVector x10 = fromArray(S, o, o1).mul(a1), x11 = fromArray(S, o, o1 + L).mul(a1);
        FloatVector x20 = fromArray(S, o, o2).mul(a2), x21 = fromArray(S, o, o2 + L).mul(a2);
        FloatVector x30 = fromArray(S, o, o3).mul(a3), x31 = fromArray(S, o, o3 + L).mul(a3);
        FloatVector x40 = fromArray(S, o, o4).mul(a4), x41 = fromArray(S, o, o4 + L).mul(a4);
        FloatVector x50 = fromArray(S, o, o5).mul(a5), x51 = fromArray(S, o, o5 + L).mul(a5);
        for (int c = 0; c < n; c++) {
            int pi = pAt + c;
            float p0 = p[pi], p1 = p[pi + ldp], p2 = p[pi + 2 * ldp], p3 = p[pi + 3 * ldp], p4 = p[pi + 4 * ldp];
            float p5 = p[pi + 5 * ldp];
            if (p0 == 0f && p1 == 0f && p2 == 0f && p3 == 0f && p4 == 0f && p5 == 0f) {
                continue;
            }
            int vi = vAt + c * NR;
            FloatVector v0 = fromArray(S, vp, vi), v1 = fromArray(S, vp, vi + L);
            FloatVector b = broadcast(S, p0);
            x00 = b.fma(v0, x00);
            x01 = b.fma(v1, x01);
            b = broadcast(S, p1);
            x10 = b.fma(v0, x10);
            x11 = b.fma(v1, x11);
            b = broadcast(S, p2);
            x20 = b.fma(v0, x20);
            x21 = b.fma(v1, x21);
            b = broadcast(S, p3);
            x30 = b.fma(v0, x30);
            x31 = b.fma(v1, x31);
            b = broadcast(S, p4);
            x40 = b.fma(v0, x40);
            x41 = b.fma(v1, x41);
            b = broadcast(S, p5);
            x50 = b.fma(v0, x50);
            x51 = b.fma(v1, x51);
        }
        x00.intoArray(o, oAt);
        x01.intoArray(o, oAt + L);
        x10.intoArray(o, o1);
        x11.intoArray(o, o1 + L);
        x20.intoArray(o, o2);
        x21.intoArray(o, o2 + L);
        x30.intoArray(o, o3);
        x31.intoArray(o, o3 + L);
        x40.intoArray(o, o4);
        x41.intoArray(o, o4 + L);
        x50.intoArray(o, o5);
        x51.intoArray(o, o5 + L);
    }

    /** One row against one sliver; a zero p skips its key. */
    private static void oneRowPacked(int n, float a, float[] p, int pAt, float[] vp, int vAt, float[] o, int oAt) {
        FloatVector x0 = fromArray(S, o, oAt).mul(a), x1 = fromArray(S, o, oAt + L).mul(a);
        for (int c = 0; c < n; c++) {
            float q = p[pAt + c];
            if (q == 0f) {
                continue;
            }
            int vi = vAt + c * NR;
            FloatVector b = broadcast(S, q);
            x0 = b.fma(fromArray(S, vp, vi), x0);
            x1 = b.fma(fromArray(S, vp, vi + L), x1);
        }
        x0.intoArray(o, oAt);
        x1.intoArray(o, oAt + L);
    }

    /** See {@link io.attn4j.engine.internal.AttentionTiles#accumulate}. */
    static void accumulate(int rows, int n, int dv, float[] alpha, int alphaFrom, float[] p, int pOff, int ldp,
            MemorySegment v, long vOff, long ldv, float[] o, int oOff, int ldo) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            fourRows(n, dv, alpha, alphaFrom + r, p, pOff + r * ldp, ldp, v, vOff, ldv, o, oOff + r * ldo, ldo);
        }
        for (; r < rows; r++) {
            oneRow(n, dv, alpha[alphaFrom + r], p, pOff + r * ldp, v, vOff, ldv, o, oOff + r * ldo);
        }
    }

    /*
     * The direct steps below go over the keys in runs that some row of the group attends to, found
     * by nextKey a vector of weights at a time: inside a run there is no test per key, and two
     * value rows are read per iteration. A key between runs has p = 0 in every row of the group and
     * its value row is never read.
     */

    private static void fourRows(int n, int dv, float[] alpha, int a, float[] p, int pOff, int ldp,
            MemorySegment v, long vOff, long ldv, float[] o, int oOff, int ldo) {
        float a0 = alpha[a], a1 = alpha[a + 1], a2 = alpha[a + 2], a3 = alpha[a + 3];
        int p0 = pOff, p1 = pOff + ldp, p2 = pOff + 2 * ldp, p3 = pOff + 3 * ldp;
        int o0 = oOff, o1 = oOff + ldo, o2 = oOff + 2 * ldo, o3 = oOff + 3 * ldo;
        long rowBytes = ldv * Float.BYTES;
        int col = 0;
        for (; col + 2 * L <= dv; col += 2 * L) {
            FloatVector x00 = fromArray(S, o, o0 + col).mul(a0), x01 = fromArray(S, o, o0 + col + L).mul(a0);
            FloatVector x10 = fromArray(S, o, o1 + col).mul(a1), x11 = fromArray(S, o, o1 + col + L).mul(a1);
            FloatVector x20 = fromArray(S, o, o2 + col).mul(a2), x21 = fromArray(S, o, o2 + col + L).mul(a2);
            FloatVector x30 = fromArray(S, o, o3 + col).mul(a3), x31 = fromArray(S, o, o3 + col + L).mul(a3);
            for (int c = nextKey(true, 4, n, p, pOff, ldp, 0); c < n; c = nextKey(true, 4, n, p, pOff, ldp, c)) {
                int end = nextKey(false, 4, n, p, pOff, ldp, c);
                long vb = (vOff + c * ldv + col) * Float.BYTES;
                for (; c + 2 <= end; c += 2, vb += 2 * rowBytes) {
                    FloatVector v0 = fromMemorySegment(S, v, vb, ORDER), v1 = fromMemorySegment(S, v, vb + VB, ORDER);
                    FloatVector b0 = broadcast(S, p[p0 + c]), b1 = broadcast(S, p[p1 + c]);
                    FloatVector b2 = broadcast(S, p[p2 + c]), b3 = broadcast(S, p[p3 + c]);
                    x00 = v0.fma(b0, x00);
                    x01 = v1.fma(b0, x01);
                    x10 = v0.fma(b1, x10);
                    x11 = v1.fma(b1, x11);
                    x20 = v0.fma(b2, x20);
                    x21 = v1.fma(b2, x21);
                    x30 = v0.fma(b3, x30);
                    x31 = v1.fma(b3, x31);
                    v0 = fromMemorySegment(S, v, vb + rowBytes, ORDER);
                    v1 = fromMemorySegment(S, v, vb + rowBytes + VB, ORDER);
                    b0 = broadcast(S, p[p0 + c + 1]);
                    b1 = broadcast(S, p[p1 + c + 1]);
                    b2 = broadcast(S, p[p2 + c + 1]);
                    b3 = broadcast(S, p[p3 + c + 1]);
                    x00 = v0.fma(b0, x00);
                    x01 = v1.fma(b0, x01);
                    x10 = v0.fma(b1, x10);
                    x11 = v1.fma(b1, x11);
                    x20 = v0.fma(b2, x20);
                    x21 = v1.fma(b2, x21);
                    x30 = v0.fma(b3, x30);
                    x31 = v1.fma(b3, x31);
                }
                if (c < end) {
                    FloatVector v0 = fromMemorySegment(S, v, vb, ORDER), v1 = fromMemorySegment(S, v, vb + VB, ORDER);
                    FloatVector b0 = broadcast(S, p[p0 + c]), b1 = broadcast(S, p[p1 + c]);
                    FloatVector b2 = broadcast(S, p[p2 + c]), b3 = broadcast(S, p[p3 + c]);
                    x00 = v0.fma(b0, x00);
                    x01 = v1.fma(b0, x01);
                    x10 = v0.fma(b1, x10);
                    x11 = v1.fma(b1, x11);
                    x20 = v0.fma(b2, x20);
                    x21 = v1.fma(b2, x21);
                    x30 = v0.fma(b3, x30);
                    x31 = v1.fma(b3, x31);
                    c++;
                }
            }
            x00.intoArray(o, o0 + col);
            x01.intoArray(o, o0 + col + L);
            x10.intoArray(o, o1 + col);
            x11.intoArray(o, o1 + col + L);
            x20.intoArray(o, o2 + col);
            x21.intoArray(o, o2 + col + L);
            x30.intoArray(o, o3 + col);
            x31.intoArray(o, o3 + col + L);
        }
        for (; col + L <= dv; col += L) {
            FloatVector x0 = fromArray(S, o, o0 + col).mul(a0), x1 = fromArray(S, o, o1 + col).mul(a1);
            FloatVector x2 = fromArray(S, o, o2 + col).mul(a2), x3 = fromArray(S, o, o3 + col).mul(a3);
            for (int c = nextKey(true, 4, n, p, pOff, ldp, 0); c < n; c = nextKey(true, 4, n, p, pOff, ldp, c)) {
                int end = nextKey(false, 4, n, p, pOff, ldp, c);
                for (long vb = (vOff + c * ldv + col) * Float.BYTES; c < end; c++, vb += rowBytes) {
                    FloatVector v0 = fromMemorySegment(S, v, vb, ORDER);
                    x0 = v0.fma(broadcast(S, p[p0 + c]), x0);
                    x1 = v0.fma(broadcast(S, p[p1 + c]), x1);
                    x2 = v0.fma(broadcast(S, p[p2 + c]), x2);
                    x3 = v0.fma(broadcast(S, p[p3 + c]), x3);
                }
            }
            x0.intoArray(o, o0 + col);
            x1.intoArray(o, o1 + col);
            x2.intoArray(o, o2 + col);
            x3.intoArray(o, o3 + col);
        }
        if (col < dv) {
            columns(n, col, dv, a0, p, p0, v, vOff, ldv, o, o0);
            columns(n, col, dv, a1, p, p1, v, vOff, ldv, o, o1);
            columns(n, col, dv, a2, p, p2, v, vOff, ldv, o, o2);
            columns(n, col, dv, a3, p, p3, v, vOff, ldv, o, o3);
        }
    }

    private static void oneRow(int n, int dv, float a, float[] p, int pOff, MemorySegment v, long vOff, long ldv,
            float[] o, int oOff) {
        long rowBytes = ldv * Float.BYTES;
        int col = 0;
        // eight vectors of columns (a whole head of 128 at 512 bits): each value row read in one pass
        for (; col + 8 * L <= dv; col += 8 * L) {
            eightColumns(n, col, a, p, pOff, v, vOff, ldv, o, oOff);
        }
        for (; col + 2 * L <= dv; col += 2 * L) {
            int at = oOff + col;
            FloatVector x0 = fromArray(S, o, at).mul(a), x1 = fromArray(S, o, at + L).mul(a);
            for (int c = nextKey(true, 1, n, p, pOff, 0, 0); c < n; c = nextKey(true, 1, n, p, pOff, 0, c)) {
                int end = nextKey(false, 1, n, p, pOff, 0, c);
                long vb = (vOff + c * ldv + col) * Float.BYTES;
                for (; c + 2 <= end; c += 2, vb += 2 * rowBytes) {
                    FloatVector b = broadcast(S, p[pOff + c]);
                    x0 = fromMemorySegment(S, v, vb, ORDER).fma(b, x0);
                    x1 = fromMemorySegment(S, v, vb + VB, ORDER).fma(b, x1);
                    b = broadcast(S, p[pOff + c + 1]);
                    x0 = fromMemorySegment(S, v, vb + rowBytes, ORDER).fma(b, x0);
                    x1 = fromMemorySegment(S, v, vb + rowBytes + VB, ORDER).fma(b, x1);
                }
                if (c < end) {
                    FloatVector b = broadcast(S, p[pOff + c]);
                    x0 = fromMemorySegment(S, v, vb, ORDER).fma(b, x0);
                    x1 = fromMemorySegment(S, v, vb + VB, ORDER).fma(b, x1);
                    c++;
                }
            }
            x0.intoArray(o, at);
            x1.intoArray(o, at + L);
        }
        for (; col + L <= dv; col += L) {
            int at = oOff + col;
            FloatVector x = fromArray(S, o, at).mul(a);
            for (int c = nextKey(true, 1, n, p, pOff, 0, 0); c < n; c = nextKey(true, 1, n, p, pOff, 0, c)) {
                int end = nextKey(false, 1, n, p, pOff, 0, c);
                for (long vb = (vOff + c * ldv + col) * Float.BYTES; c < end; c++, vb += rowBytes) {
                    x = fromMemorySegment(S, v, vb, ORDER).fma(broadcast(S, p[pOff + c]), x);
                }
            }
            x.intoArray(o, at);
        }
        columns(n, col, dv, a, p, pOff, v, vOff, ldv, o, oOff);
    }

    /**
     * Columns {@code [col, col + 8 L)} of one output row: its own method, since with the rest of
     * {@link #oneRow} it would run out of C1's virtual registers (see VectorTilesC1Test).
     */
    private static void eightColumns(int n, int col, float a, float[] p, int pOff, MemorySegment v, long vOff,
            long ldv, float[] o, int oOff) {
        long rowBytes = ldv * Float.BYTES;
        int at = oOff + col;
        FloatVector x0 = fromArray(S, o, at).mul(a), x1 = fromArray(S, o, at + L).mul(a);
        FloatVector x2 = fromArray(S, o, at + 2 * L).mul(a), x3 = fromArray(S, o, at + 3 * L).mul(a);
        FloatVector x4 = fromArray(S, o, at + 4 * L).mul(a), x5 = fromArray(S, o, at + 5 * L).mul(a);
        FloatVector x6 = fromArray(S, o, at + 6 * L).mul(a), x7 = fromArray(S, o, at + 7 * L).mul(a);
        for (int c = nextKey(true, 1, n, p, pOff, 0, 0); c < n; c = nextKey(true, 1, n, p, pOff, 0, c)) {
            int end = nextKey(false, 1, n, p, pOff, 0, c);
            long vb = (vOff + c * ldv + col) * Float.BYTES;
            for (; c + 2 <= end; c += 2, vb += 2 * rowBytes) {
                FloatVector b = broadcast(S, p[pOff + c]);
                x0 = fromMemorySegment(S, v, vb, ORDER).fma(b, x0);
                x1 = fromMemorySegment(S, v, vb + VB, ORDER).fma(b, x1);
                x2 = fromMemorySegment(S, v, vb + 2 * VB, ORDER).fma(b, x2);
                x3 = fromMemorySegment(S, v, vb + 3 * VB, ORDER).fma(b, x3);
                x4 = fromMemorySegment(S, v, vb + 4 * VB, ORDER).fma(b, x4);
                x5 = fromMemorySegment(S, v, vb + 5 * VB, ORDER).fma(b, x5);
                x6 = fromMemorySegment(S, v, vb + 6 * VB, ORDER).fma(b, x6);
                x7 = fromMemorySegment(S, v, vb + 7 * VB, ORDER).fma(b, x7);
                long vn = vb + rowBytes;
                b = broadcast(S, p[pOff + c + 1]);
                x0 = fromMemorySegment(S, v, vn, ORDER).fma(b, x0);
                x1 = fromMemorySegment(S, v, vn + VB, ORDER).fma(b, x1);
                x2 = fromMemorySegment(S, v, vn + 2 * VB, ORDER).fma(b, x2);
                x3 = fromMemorySegment(S, v, vn + 3 * VB, ORDER).fma(b, x3);
                x4 = fromMemorySegment(S, v, vn + 4 * VB, ORDER).fma(b, x4);
                x5 = fromMemorySegment(S, v, vn + 5 * VB, ORDER).fma(b, x5);
                x6 = fromMemorySegment(S, v, vn + 6 * VB, ORDER).fma(b, x6);
                x7 = fromMemorySegment(S, v, vn + 7 * VB, ORDER).fma(b, x7);
            }
            if (c < end) {
                FloatVector b = broadcast(S, p[pOff + c]);
                x0 = fromMemorySegment(S, v, vb, ORDER).fma(b, x0);
                x1 = fromMemorySegment(S, v, vb + VB, ORDER).fma(b, x1);
                x2 = fromMemorySegment(S, v, vb + 2 * VB, ORDER).fma(b, x2);
                x3 = fromMemorySegment(S, v, vb + 3 * VB, ORDER).fma(b, x3);
                x4 = fromMemorySegment(S, v, vb + 4 * VB, ORDER).fma(b, x4);
                x5 = fromMemorySegment(S, v, vb + 5 * VB, ORDER).fma(b, x5);
                x6 = fromMemorySegment(S, v, vb + 6 * VB, ORDER).fma(b, x6);
                x7 = fromMemorySegment(S, v, vb + 7 * VB, ORDER).fma(b, x7);
                c++;
            }
        }
        x0.intoArray(o, at);
        x1.intoArray(o, at + L);
        x2.intoArray(o, at + 2 * L);
        x3.intoArray(o, at + 3 * L);
        x4.intoArray(o, at + 4 * L);
        x5.intoArray(o, at + 5 * L);
        x6.intoArray(o, at + 6 * L);
        x7.intoArray(o, at + 7 * L);
    }

    /**
     * The first key {@code c} in {@code [from, n)} that some of the {@code rows} weight rows
     * {@code p[pOff + j ldp + c]} attends to ({@code p != 0}; NaN attends) when {@code attended},
     * or that none of them attends to when not; {@code n} if there is none. A vector of keys per
     * step: the runs are long, the breaks between them rare.
     */
    private static int nextKey(boolean attended, int rows, int n, float[] p, int pOff, int ldp, int from) {
        int c = from;
        for (; c + L <= n; c += L) {
            VectorMask<Float> seen = fromArray(S, p, pOff + c).compare(VectorOperators.NE, 0f);
            for (int j = 1; j < rows; j++) {
                seen = seen.or(fromArray(S, p, pOff + j * ldp + c).compare(VectorOperators.NE, 0f));
            }
            VectorMask<Float> wanted = attended ? seen : seen.not();
            if (wanted.anyTrue()) {
                return c + wanted.firstTrue();
            }
        }
        for (; c < n; c++) {
            boolean seen = false;
            for (int j = 0; j < rows; j++) {
                seen |= p[pOff + j * ldp + c] != 0f;
            }
            if (seen == attended) {
                return c;
            }
        }
        return n;
    }

    /** Columns {@code [from, dv)} of one output row, scalar: {@code x = a o}, one FMA per key in order, zeros skipped. */
    private static void columns(int n, int from, int dv, float a, float[] p, int pOff, MemorySegment v, long vOff,
            long ldv, float[] o, int oOff) {
        for (int col = from; col < dv; col++) {
            float x = o[oOff + col] * a;
            for (int c = 0; c < n; c++) {
                float q = p[pOff + c];
                if (q != 0f) {
                    x = Math.fma(q, v.getAtIndex(FLOAT, vOff + c * ldv + col), x);
                }
            }
            o[oOff + col] = x;
        }
    }
}
