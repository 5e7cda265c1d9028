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
 * rows: {@code docs/performance-notes.md}), and each key row is reused from L1 by every query row. Two
 * accumulators, over the even and the odd vectors of a row, halve the FMA dependency chain.
 *
 * <p>Each dot product's lanes are added in lane order through a scratch array, not with
 * {@code reduceLanes(ADD)}, whose order differs between interpreted and compiled code: the result
 * must be the same whichever runs (and not by {@link LaneSum}: a helper taking a vector that C2
 * declines to inline, past its node budget, boxes every vector of the loop). Error: {@code (d + 1) * eps * |scale| * sum |q_c k_c|}, the GEMM
 * bound.
 */
final class VectorKeyScores {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int L = Simd.LANES;

    private VectorKeyScores() {
    }

    /**
     * @param q {@code [rows, d]} at {@code qOff}, row stride {@code ldq}
     * @param k {@code [n, d]} at {@code kOff}, row stride {@code ldk}
     * @param s {@code [rows, n]} at {@code sOff}, row stride {@code lds}; overwritten
     * @param lanes {@code LANES} floats of scratch
     */
    static void scores(int rows, int n, int d, float scale, MemorySegment q, long qOff, long ldq,
            MemorySegment k, long kOff, long ldk, float[] s, int sOff, int lds, float[] lanes) {
        int pairs = d / (2 * L) * (2 * L), bound = S.loopBound(d);
        for (int c = 0; c < n; c++) {
            long kb = (kOff + c * ldk) * 4;
            for (int r = 0; r < rows; r++) {
                long qb = (qOff + r * ldq) * 4;
                FloatVector a0 = FloatVector.zero(S), a1 = a0;
                int x = 0;
                for (; x < pairs; x += 2 * L) {
                    long at = (long) x * 4;
                    a0 = fromMemorySegment(S, k, kb + at, ORDER).fma(fromMemorySegment(S, q, qb + at, ORDER), a0);
                    a1 = fromMemorySegment(S, k, kb + at + 4L * L, ORDER)
                            .fma(fromMemorySegment(S, q, qb + at + 4L * L, ORDER), a1);
                }
                for (; x < bound; x += L) {
                    a0 = fromMemorySegment(S, k, kb + x * 4L, ORDER).fma(fromMemorySegment(S, q, qb + x * 4L, ORDER),
                            a0);
                }
                a0.add(a1).intoArray(lanes, 0);
                float dot = 0f;
                for (int i = 0; i < L; i++) {
                    dot += lanes[i];
                }
                for (; x < d; x++) {
                    dot = Math.fma(q.getAtIndex(FLOAT, qOff + r * ldq + x), k.getAtIndex(FLOAT, kOff + c * ldk + x),
                            dot);
                }
                s[sOff + r * lds + c] = scale * dot;
            }
        }
    }
}
