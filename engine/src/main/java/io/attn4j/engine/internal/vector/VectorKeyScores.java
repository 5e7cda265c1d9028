package io.attn4j.engine.internal.vector;

import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scores of a few query rows against a block of keys, {@code S [r, c] = scale * (q_r . k_c)}, as
 * direct dot products: the decoding case, where a GEMM would pack a whole key block to use it
 * for one row. Keys are read one row at a time, in address order (faster than interleaving key
 * rows: {@code docs/performance-notes.md}), and each key row is reused from L1 by every query
 * row. Four accumulators, over the vectors of a row in turn, make four independent FMA chains
 * ({@code docs/performance-notes.md}); the loads address a row by a byte offset that advances
 * by a constant, with no index to scale.
 *
 * <p>Each dot product's lanes are added by {@link LaneSum}, a fixed pairwise tree, not with
 * {@code reduceLanes(ADD)}, whose order differs between interpreted and compiled code: the result
 * must be the same whichever runs. Its constant lane swaps cost a permute and an add per level,
 * where a sum through a scratch array stored the vector and added its lanes one by one, a chain
 * that kept fewer key rows in flight ({@code docs/performance-notes.md}). Error:
 * {@code (d + 1) * eps * |scale| * sum |q_c k_c|}, the GEMM bound.
 */
final class VectorKeyScores {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int L = Simd.LANES;
    /** Bytes of one vector. */
    private static final long VB = (long) L * Float.BYTES;

    private VectorKeyScores() {
    }

    /**
     * @param q {@code [rows, d]} at {@code qOff}, row stride {@code ldq}
     * @param k {@code [n, d]} at {@code kOff}, row stride {@code ldk}
     * @param s {@code [rows, n]} at {@code sOff}, row stride {@code lds}; overwritten
     */
    static void scores(int rows, int n, int d, float scale, MemorySegment q, long qOff, long ldq,
            MemorySegment k, long kOff, long ldk, float[] s, int sOff, int lds) {
        int bound = S.loopBound(d);
        // byte offsets within a row: the unrolled part, then the whole vectors
        long quadBytes = (long) (d / (4 * L)) * 4 * VB, vectorBytes = (long) bound * Float.BYTES;
        for (int c = 0; c < n; c++) {
            long kb = (kOff + c * ldk) * Float.BYTES;
            for (int r = 0; r < rows; r++) {
                long qb = (qOff + r * ldq) * Float.BYTES;
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                long at = 0;
                for (; at < quadBytes; at += 4 * VB) {
                    a0 = fromMemorySegment(S, k, kb + at, ORDER).fma(fromMemorySegment(S, q, qb + at, ORDER), a0);
                    a1 = fromMemorySegment(S, k, kb + at + VB, ORDER)
                            .fma(fromMemorySegment(S, q, qb + at + VB, ORDER), a1);
                    a2 = fromMemorySegment(S, k, kb + at + 2 * VB, ORDER)
                            .fma(fromMemorySegment(S, q, qb + at + 2 * VB, ORDER), a2);
                    a3 = fromMemorySegment(S, k, kb + at + 3 * VB, ORDER)
                            .fma(fromMemorySegment(S, q, qb + at + 3 * VB, ORDER), a3);
                }
                for (; at < vectorBytes; at += VB) {
                    a0 = fromMemorySegment(S, k, kb + at, ORDER).fma(fromMemorySegment(S, q, qb + at, ORDER), a0);
                }
                float dot = LaneSum.of(a0.add(a1).add(a2.add(a3)));
                for (int x = bound; x < d; x++) {
                    dot = Math.fma(q.getAtIndex(FLOAT, qOff + r * ldq + x), k.getAtIndex(FLOAT, kOff + c * ldk + x),
                            dot);
                }
                s[sOff + r * lds + c] = scale * dot;
            }
        }
    }
}
