package io.attn4j.engine.internal.vector.gemm;

import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.MR;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.NR;

import io.attn4j.engine.internal.vector.Simd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked GEMM micro-kernel: one {@code MR x NR} tile of C (6 rows of two vectors)
 * updated from a packed {@code MR x kc} sliver of A and a packed {@code kc x NR} sliver of B,
 *
 * <pre>  C[r, c] = alpha * sum_l A[r, l] B[l, c] + beta * C[r, c]   (C not read when beta == 0)</pre>
 *
 * The same code serves every vector width; only {@link Simd#SPECIES} changes. Each of the twelve
 * accumulators is one FMA chain over {@code l} in order, and the write-back rounds a whole tile
 * and a tile cut by the edge of C alike, so an element's bits depend only on its row of A, its
 * column of B and the block depth, never on where the tile lies in C.
 *
 * <p>Only a whole tile with {@code beta == 0} is stored straight from the accumulators; a tile
 * added to C goes through the parked-tile path. The reason is C1, not speed: with a second
 * unrolled write-back (load, scale, FMA, store of twelve vectors) the method needs more than
 * C1's 10000 virtual registers at tier 3 ("out of virtual registers in linear scan"). HotSpot
 * then marks it not C1-compilable, and a method that a busy C2 queue had first sent to tier 2
 * stays in that boxing C1 code for good, never profiled, never compiled by C2 (what that cost:
 * {@code docs/performance-notes.md}). Check with {@code -XX:TieredStopAtLevel=3 -XX:+PrintCompilation}
 * when this method grows.
 */
final class MicroKernel {
    private static final VectorSpecies<Float> SPECIES = Simd.SPECIES;
    private static final int L = Simd.LANES;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private MicroKernel() {
    }

    /**
     * Updates the {@code rows x cols} corner ({@code rows <= MR}, {@code cols <= NR}) of the tile
     * of C at element {@code cAt}; the packed slivers are full (zero-padded) either way.
     *
     * @param ap packed A, the sliver starting at {@code aAt}: {@code ap[aAt + r*kc + l]}
     * @param bp packed B, the sliver starting at {@code bAt}: {@code bp[bAt + l*NR + c]}
     * @param tile scratch of {@code MR * NR} floats for a tile cut by the edge of C
     */
    static void tile(int kc, float[] ap, int aAt, float[] bp, int bAt, float alpha, float beta,
            MemorySegment c, long cAt, long ldc, int rows, int cols, float[] tile) {
        // acc_rv = row r of the tile, vector v (columns v*L ..): 12 independent FMA chains.
        FloatVector acc00 = FloatVector.zero(SPECIES), acc01 = FloatVector.zero(SPECIES);
        FloatVector acc10 = FloatVector.zero(SPECIES), acc11 = FloatVector.zero(SPECIES);
        FloatVector acc20 = FloatVector.zero(SPECIES), acc21 = FloatVector.zero(SPECIES);
        FloatVector acc30 = FloatVector.zero(SPECIES), acc31 = FloatVector.zero(SPECIES);
        FloatVector acc40 = FloatVector.zero(SPECIES), acc41 = FloatVector.zero(SPECIES);
        FloatVector acc50 = FloatVector.zero(SPECIES), acc51 = FloatVector.zero(SPECIES);
        for (int l = 0; l < kc; l++) {
            // acc[r, :] += A[r, l] * B[l, :]: B row l as two vectors, A[r, l] broadcast.
            int ai = aAt + l, bi = bAt + l * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + L);
            FloatVector ar = FloatVector.broadcast(SPECIES, ap[ai]);
            acc00 = ar.fma(b0, acc00);
            acc01 = ar.fma(b1, acc01);
            ar = FloatVector.broadcast(SPECIES, ap[ai + 1 * kc]);
            acc10 = ar.fma(b0, acc10);
            acc11 = ar.fma(b1, acc11);
            ar = FloatVector.broadcast(SPECIES, ap[ai + 2 * kc]);
            acc20 = ar.fma(b0, acc20);
            acc21 = ar.fma(b1, acc21);
            ar = FloatVector.broadcast(SPECIES, ap[ai + 3 * kc]);
            acc30 = ar.fma(b0, acc30);
            acc31 = ar.fma(b1, acc31);
            ar = FloatVector.broadcast(SPECIES, ap[ai + 4 * kc]);
            acc40 = ar.fma(b0, acc40);
            acc41 = ar.fma(b1, acc41);
            ar = FloatVector.broadcast(SPECIES, ap[ai + 5 * kc]);
            acc50 = ar.fma(b0, acc50);
            acc51 = ar.fma(b1, acc51);
        }
        if (beta == 0f && rows == MR && cols == NR) {
            // A whole tile that overwrites C: straight from the accumulators into C, row by row.
            // (Through a helper taking vectors, C2 would box them whenever it declines to inline it.)
            FloatVector va = FloatVector.broadcast(SPECIES, alpha);
            long row = 4 * cAt, step = 4 * ldc, hi = 4L * L;
            acc00.mul(va).intoMemorySegment(c, row, ORDER);
            acc01.mul(va).intoMemorySegment(c, row + hi, ORDER);
            row += step;
            acc10.mul(va).intoMemorySegment(c, row, ORDER);
            acc11.mul(va).intoMemorySegment(c, row + hi, ORDER);
            row += step;
            acc20.mul(va).intoMemorySegment(c, row, ORDER);
            acc21.mul(va).intoMemorySegment(c, row + hi, ORDER);
            row += step;
            acc30.mul(va).intoMemorySegment(c, row, ORDER);
            acc31.mul(va).intoMemorySegment(c, row + hi, ORDER);
            row += step;
            acc40.mul(va).intoMemorySegment(c, row, ORDER);
            acc41.mul(va).intoMemorySegment(c, row + hi, ORDER);
            row += step;
            acc50.mul(va).intoMemorySegment(c, row, ORDER);
            acc51.mul(va).intoMemorySegment(c, row + hi, ORDER);
            return;
        }
        // A tile cut by the edge of C, or one added to C (beta != 0): park it in L1 and write back
        // the part inside C.
        acc00.intoArray(tile, 0);
        acc01.intoArray(tile, L);
        acc10.intoArray(tile, NR);
        acc11.intoArray(tile, NR + L);
        acc20.intoArray(tile, 2 * NR);
        acc21.intoArray(tile, 2 * NR + L);
        acc30.intoArray(tile, 3 * NR);
        acc31.intoArray(tile, 3 * NR + L);
        acc40.intoArray(tile, 4 * NR);
        acc41.intoArray(tile, 4 * NR + L);
        acc50.intoArray(tile, 5 * NR);
        acc51.intoArray(tile, 5 * NR + L);
        writeBack(tile, alpha, beta, c, cAt, ldc, rows, cols);
    }

    /**
     * {@link #tile} for a whole {@code MR}-row tile with A read where it lies instead of from a
     * packed sliver: {@code A[r, l]} is element {@code aAt + r*lda + l} of {@code a}, a native
     * segment. For products too narrow to repay the copy of A into packed form. The same FMA
     * chains in the same order and the same write-back give the same bits as {@code tile}.
     */
    static void tileInPlace(int kc, MemorySegment a, long aAt, long lda, float[] bp, int bAt,
            float alpha, float beta, MemorySegment c, long cAt, long ldc, int cols, float[] tile) {
        FloatVector acc00 = FloatVector.zero(SPECIES), acc01 = FloatVector.zero(SPECIES);
        FloatVector acc10 = FloatVector.zero(SPECIES), acc11 = FloatVector.zero(SPECIES);
        FloatVector acc20 = FloatVector.zero(SPECIES), acc21 = FloatVector.zero(SPECIES);
        FloatVector acc30 = FloatVector.zero(SPECIES), acc31 = FloatVector.zero(SPECIES);
        FloatVector acc40 = FloatVector.zero(SPECIES), acc41 = FloatVector.zero(SPECIES);
        FloatVector acc50 = FloatVector.zero(SPECIES), acc51 = FloatVector.zero(SPECIES);
        long r0 = 4 * aAt, r1 = r0 + 4 * lda, r2 = r1 + 4 * lda, r3 = r2 + 4 * lda, r4 = r3 + 4 * lda;
        long r5 = r4 + 4 * lda;
        for (int l = 0; l < kc; l++) {
            int bi = bAt + l * NR;
            long at = 4L * l;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + L);
            FloatVector ar = FloatVector.broadcast(SPECIES, a.get(FLOAT, r0 + at));
            acc00 = ar.fma(b0, acc00);
            acc01 = ar.fma(b1, acc01);
            ar = FloatVector.broadcast(SPECIES, a.get(FLOAT, r1 + at));
            acc10 = ar.fma(b0, acc10);
            acc11 = ar.fma(b1, acc11);
            ar = FloatVector.broadcast(SPECIES, a.get(FLOAT, r2 + at));
            acc20 = ar.fma(b0, acc20);
            acc21 = ar.fma(b1, acc21);
            ar = FloatVector.broadcast(SPECIES, a.get(FLOAT, r3 + at));
            acc30 = ar.fma(b0, acc30);
            acc31 = ar.fma(b1, acc31);
            ar = FloatVector.broadcast(SPECIES, a.get(FLOAT, r4 + at));
            acc40 = ar.fma(b0, acc40);
            acc41 = ar.fma(b1, acc41);
            ar = FloatVector.broadcast(SPECIES, a.get(FLOAT, r5 + at));
            acc50 = ar.fma(b0, acc50);
            acc51 = ar.fma(b1, acc51);
        }
        // parked, then written back as tile() writes a cut tile: the same rounding either way
        acc00.intoArray(tile, 0);
        acc01.intoArray(tile, L);
        acc10.intoArray(tile, NR);
        acc11.intoArray(tile, NR + L);
        acc20.intoArray(tile, 2 * NR);
        acc21.intoArray(tile, 2 * NR + L);
        acc30.intoArray(tile, 3 * NR);
        acc31.intoArray(tile, 3 * NR + L);
        acc40.intoArray(tile, 4 * NR);
        acc41.intoArray(tile, 4 * NR + L);
        acc50.intoArray(tile, 5 * NR);
        acc51.intoArray(tile, 5 * NR + L);
        writeBack(tile, alpha, beta, c, cAt, ldc, MR, cols);
    }

    /** Panels of B that {@link #row} covers at once. */
    static final int ROW_PANELS = 4;

    /**
     * One row of C across {@link #ROW_PANELS} whole B slivers ({@code ROW_PANELS * NR} columns):
     * the shape of a batch-1 recurrent step or any GEMM with a single row left, where
     * {@link #tile} would keep two FMA chains busy and idle ten. Here eight chains cover the FMA
     * latency (4 cycles at two FMAs per cycle). Each element is still one FMA chain over
     * {@code l} in order, written back as {@code tile} does, so its bits are those {@code tile}
     * gives the same row and column.
     *
     * @param ap packed A, the row starting at {@code aAt}: {@code ap[aAt + l]}
     * @param bp packed B, the first sliver starting at {@code bAt}; sliver {@code p} starts at
     *     {@code bAt + p * kc * NR}
     */
    static void row(int kc, float[] ap, int aAt, float[] bp, int bAt, float alpha, float beta,
            MemorySegment c, long cAt) {
        FloatVector acc00 = FloatVector.zero(SPECIES), acc01 = FloatVector.zero(SPECIES);
        FloatVector acc10 = FloatVector.zero(SPECIES), acc11 = FloatVector.zero(SPECIES);
        FloatVector acc20 = FloatVector.zero(SPECIES), acc21 = FloatVector.zero(SPECIES);
        FloatVector acc30 = FloatVector.zero(SPECIES), acc31 = FloatVector.zero(SPECIES);
        int sliver = kc * NR;
        for (int l = 0; l < kc; l++) {
            FloatVector ar = FloatVector.broadcast(SPECIES, ap[aAt + l]);
            int b0 = bAt + l * NR, b1 = b0 + sliver, b2 = b1 + sliver, b3 = b2 + sliver;
            acc00 = ar.fma(FloatVector.fromArray(SPECIES, bp, b0), acc00);
            acc01 = ar.fma(FloatVector.fromArray(SPECIES, bp, b0 + L), acc01);
            acc10 = ar.fma(FloatVector.fromArray(SPECIES, bp, b1), acc10);
            acc11 = ar.fma(FloatVector.fromArray(SPECIES, bp, b1 + L), acc11);
            acc20 = ar.fma(FloatVector.fromArray(SPECIES, bp, b2), acc20);
            acc21 = ar.fma(FloatVector.fromArray(SPECIES, bp, b2 + L), acc21);
            acc30 = ar.fma(FloatVector.fromArray(SPECIES, bp, b3), acc30);
            acc31 = ar.fma(FloatVector.fromArray(SPECIES, bp, b3 + L), acc31);
        }
        FloatVector va = FloatVector.broadcast(SPECIES, alpha);
        long at = 4 * cAt, v = 4L * L;
        if (beta == 0f) {
            acc00.mul(va).intoMemorySegment(c, at, ORDER);
            acc01.mul(va).intoMemorySegment(c, at + v, ORDER);
            acc10.mul(va).intoMemorySegment(c, at + 2 * v, ORDER);
            acc11.mul(va).intoMemorySegment(c, at + 3 * v, ORDER);
            acc20.mul(va).intoMemorySegment(c, at + 4 * v, ORDER);
            acc21.mul(va).intoMemorySegment(c, at + 5 * v, ORDER);
            acc30.mul(va).intoMemorySegment(c, at + 6 * v, ORDER);
            acc31.mul(va).intoMemorySegment(c, at + 7 * v, ORDER);
        } else {
            FloatVector vb = FloatVector.broadcast(SPECIES, beta);
            FloatVector.fromMemorySegment(SPECIES, c, at, ORDER).fma(vb, acc00.mul(va)).intoMemorySegment(c, at, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, at + v, ORDER).fma(vb, acc01.mul(va)).intoMemorySegment(c, at + v,
                    ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, at + 2 * v, ORDER).fma(vb, acc10.mul(va)).intoMemorySegment(c,
                    at + 2 * v, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, at + 3 * v, ORDER).fma(vb, acc11.mul(va)).intoMemorySegment(c,
                    at + 3 * v, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, at + 4 * v, ORDER).fma(vb, acc20.mul(va)).intoMemorySegment(c,
                    at + 4 * v, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, at + 5 * v, ORDER).fma(vb, acc21.mul(va)).intoMemorySegment(c,
                    at + 5 * v, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, at + 6 * v, ORDER).fma(vb, acc30.mul(va)).intoMemorySegment(c,
                    at + 6 * v, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, at + 7 * v, ORDER).fma(vb, acc31.mul(va)).intoMemorySegment(c,
                    at + 7 * v, ORDER);
        }
    }

    /**
     * {@code C[r, j] = alpha * tile[r, j] + beta * C[r, j]} over the {@code rows x cols} corner,
     * C unread when beta is 0. Whole rows go by vectors, rows cut by the edge element by element;
     * all round as the whole-tile path does (one product, then one FMA), so no cut changes a bit.
     */
    private static void writeBack(float[] tile, float alpha, float beta, MemorySegment c, long cAt, long ldc,
            int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            long at = cAt + r * ldc;
            int t = r * NR;
            if (cols == NR) {
                for (int v = 0; v < NR; v += L) {
                    FloatVector scaled = FloatVector.fromArray(SPECIES, tile, t + v).mul(alpha);
                    long bytes = 4 * (at + v);
                    if (beta != 0f) {
                        scaled = FloatVector.fromMemorySegment(SPECIES, c, bytes, ORDER).fma(
                                FloatVector.broadcast(SPECIES, beta),
                                scaled);
                    }
                    scaled.intoMemorySegment(c, bytes, ORDER);
                }
            } else {
                for (int j = 0; j < cols; j++) {
                    float scaled = alpha * tile[t + j];
                    c.setAtIndex(FLOAT, at + j,
                            beta == 0f ? scaled : Math.fma(beta, c.getAtIndex(FLOAT, at + j), scaled));
                }
            }
        }
    }
}
