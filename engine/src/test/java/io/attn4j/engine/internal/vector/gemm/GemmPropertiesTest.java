package io.attn4j.engine.internal.vector.gemm;

import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.IN_PLACE_A_COLUMNS;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.KC;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.MC;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.MR;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.NC;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.NR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.engine.testing.TestKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The vector GEMM against the scalar reference: every transpose pair, sizes on both sides of
 * the micro-tile ({@code MR x NR}) and of the block sizes, leading dimensions larger than the
 * rows, element offsets, and C pre-filled with NaN when beta is 0 (which must never be read).
 * Nothing outside C may be written. Splitting C's rows or columns across calls must not change
 * any bit.
 */
@Tag("vector-width")
class GemmPropertiesTest {
    private static final Kernels VECTOR = TestKernels.vector();
    private static final Kernels SCALAR = TestKernels.scalar();
    private static final double EPS = 0x1p-24;
    /** Columns of C that one call of the lone-row kernel covers. */
    private static final int ROW_SPAN = MicroKernel.ROW_PANELS * NR;
    /** Sizes on the edges of the micro-tile and of the lone-row kernel. */
    private static final int[] SIDE_EDGES = {0, 1, 2, MR - 1, MR, MR + 1, 2 * MR + 1, NR - 1, NR, NR + 1, 2 * NR + 1,
            13,
            ROW_SPAN - 1, ROW_SPAN, ROW_SPAN + NR + 3};
    /** k = 0 (C = beta C), tiny k, and both sides of one K block. */
    private static final int[] DEPTH_EDGES = {0, 1, 2, 3, 7, 13, KC - 1, KC, KC + 1};
    /** Sizes of C to split: two single rows or columns, and the micro-tile's edges. */
    private static final int[] SPLIT_EDGES = {2, 3, MR, MR + 1, NR, NR + 1, 150};
    private static final float[] ALPHAS = {1f, -1f, 0.5f, 2.75f, 0f, -1.3e-3f};
    private static final float[] BETAS = {0f, 1f, -1f, 0.5f, 3.1f};
    private static final float[] SCALES = {1f, 1e-3f, 1e3f};

    /** One call: shapes, transposes, scalars, layout and the seed of the values. */
    record Case(Transpose transA, Transpose transB, int m, int n, int k, float alpha, float beta,
            int pad, int offset, float scale, long seed) {
    }

    @Test
    void matchesTheReference() {
        RandomTrials.run(250,
                r -> assertMatchesReference(new Case(transpose(r), transpose(r), side(r), side(r), depth(r),
                        pick(r, ALPHAS), pick(r, BETAS), r.nextInt(4), r.nextInt(6), pick(r, SCALES), r.nextLong())));
    }

    @Test
    void largeShapesCrossTheBlockEdges() {
        for (Transpose transA : Transpose.values()) {
            for (Transpose transB : Transpose.values()) {
                // m crosses MC three times; n is not a multiple of NR
                assertMatchesReference(new Case(transA, transB, 300, 700, 513, 1f, 0f, 3, 1, 1f, 1));
                // n crosses NC
                assertMatchesReference(new Case(transA, transB, 7, NC + 37, 40, -0.5f, 1f, 0, 2, 1f, 2));
                // three K blocks, m just past MC
                assertMatchesReference(
                        new Case(transA, transB, MC + 1, 2 * NR + 3, 2 * KC + 3, 1.5f, 0.5f, 1, 0, 1f, 3));
            }
        }
    }

    @Test
    void splittingRowsOrColumnsKeepsEveryBit() {
        RandomTrials.run(120, r -> {
            int m = splitSide(r), n = splitSide(r), k = depth(r);
            Transpose transA = transpose(r), transB = transpose(r);
            float alpha = pick(r, ALPHAS), beta = pick(r, BETAS);
            boolean byRows = r.nextBoolean();
            int at = 1 + r.nextInt((byRows ? m : n) - 1);
            try (Arena arena = Arena.ofConfined()) {
                Operand a = opA(arena, r, transA, m, k, 0, 0, 1f), b = opB(arena, r, transB, k, n, 0, 0, 1f);
                Operand c0 = Operand.random(arena, r, m, n, 0, 0, 1f);
                Operand whole = c0.copy(arena), parts = c0.copy(arena);
                gemm(VECTOR, transA, transB, m, n, k, alpha, a, b, beta, whole);
                if (byRows) {
                    // rows [0, at) and [at, m): A's rows start at row `at` (its column `at` when transposed)
                    long aAt = a.offset() + (transA == Transpose.NO ? at * a.ld() : at);
                    VECTOR.gemm(transA, transB, at, n, k, alpha, a.segment(), a.offset(), a.ld(), b.segment(),
                            b.offset(), b.ld(),
                            beta, parts.segment(), parts.offset(), parts.ld());
                    VECTOR.gemm(transA, transB, m - at, n, k, alpha, a.segment(), aAt, a.ld(), b.segment(), b.offset(),
                            b.ld(),
                            beta, parts.segment(), parts.offset() + at * parts.ld(), parts.ld());
                } else {
                    long bAt = b.offset() + (transB == Transpose.NO ? at : at * b.ld());
                    VECTOR.gemm(transA, transB, m, at, k, alpha, a.segment(), a.offset(), a.ld(), b.segment(),
                            b.offset(), b.ld(),
                            beta, parts.segment(), parts.offset(), parts.ld());
                    VECTOR.gemm(transA, transB, m, n - at, k, alpha, a.segment(), a.offset(), a.ld(), b.segment(), bAt,
                            b.ld(),
                            beta, parts.segment(), parts.offset() + at, parts.ld());
                }
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        int ii = i, jj = j;
                        assertEquals(Float.floatToRawIntBits(whole.get(i, j)), Float.floatToRawIntBits(parts.get(i, j)),
                                () -> "split " + (byRows ? "rows" : "columns") + " at " + at + " changed C[" + ii + ","
                                        + jj
                                        + "] of " + m + " x " + n + " x " + k + ", " + transA + "/" + transB);
                    }
                }
            }
        });
    }

    @Test
    void aLoneRowHasTheBitsOfTheSameRowInsideATile() {
        // m = 1 (and the last row of m = MR + 1) runs MicroKernel.row; inside a full MR-row tile
        // the same row runs MicroKernel.tile. Both must give every bit the same.
        RandomTrials.run(60, r -> {
            int n = r.nextBoolean() ? ROW_SPAN * (1 + r.nextInt(3)) + r.nextInt(2 * NR) : r.nextInt(1, 3 * ROW_SPAN);
            int k = depth(r), m = MR;
            Transpose transA = transpose(r), transB = transpose(r);
            float alpha = pick(r, ALPHAS), beta = pick(r, BETAS);
            try (Arena arena = Arena.ofConfined()) {
                Operand a = opA(arena, r, transA, m, k, 0, 0, 1f), b = opB(arena, r, transB, k, n, 0, 0, 1f);
                Operand c0 = Operand.random(arena, r, m, n, 0, 0, 1f);
                Operand tiled = c0.copy(arena), rows = c0.copy(arena);
                gemm(VECTOR, transA, transB, m, n, k, alpha, a, b, beta, tiled);
                for (int i = 0; i < m; i++) {
                    long aAt = a.offset() + (transA == Transpose.NO ? i * a.ld() : i);
                    VECTOR.gemm(transA, transB, 1, n, k, alpha, a.segment(), aAt, a.ld(), b.segment(), b.offset(),
                            b.ld(),
                            beta, rows.segment(), rows.offset() + i * rows.ld(), rows.ld());
                }
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        int ii = i, jj = j;
                        assertEquals(Float.floatToRawIntBits(tiled.get(i, j)), Float.floatToRawIntBits(rows.get(i, j)),
                                () -> "row " + ii + " alone changed C[" + ii + "," + jj + "] of " + m + " x " + n
                                        + " x " + k
                                        + ", " + transA + "/" + transB);
                    }
                }
            }
        });
    }

    @Test
    void aNarrowProductReadingAInPlaceHasThePackedBits() {
        // n <= IN_PLACE_A_COLUMNS reads whole MR-row slivers of an untransposed native A in place
        // (the rest of the rows packed); a wider product packs all of A. The same columns must agree.
        RandomTrials.run(60, r -> {
            int m = r.nextInt(1, 3 * MR + 2) + (r.nextBoolean() ? MC : 0);
            int n = r.nextInt(1, IN_PLACE_A_COLUMNS + 1), wide = IN_PLACE_A_COLUMNS + 1 + r.nextInt(NR);
            int k = depth(r);
            Transpose transB = transpose(r);
            float alpha = pick(r, ALPHAS), beta = pick(r, BETAS);
            try (Arena arena = Arena.ofConfined()) {
                Operand a = opA(arena, r, Transpose.NO, m, k, r.nextInt(3), 0, 1f);
                Operand b = opB(arena, r, transB, k, wide, 0, 0, 1f);
                Operand c0 = Operand.random(arena, r, m, wide, 0, 0, 1f);
                Operand packed = c0.copy(arena), inPlace = c0.copy(arena);
                gemm(VECTOR, Transpose.NO, transB, m, wide, k, alpha, a, b, beta, packed);
                // A on the heap is packed instead (no element reads of heap segments): the same bits
                MemorySegment aNarrow = r.nextBoolean()
                        ? a.segment()
                        : MemorySegment.ofArray(a.segment().toArray(ValueLayout.JAVA_FLOAT));
                VECTOR.gemm(Transpose.NO, transB, m, n, k, alpha, aNarrow, a.offset(), a.ld(), b.segment(),
                        b.offset(), b.ld(), beta, inPlace.segment(), inPlace.offset(), inPlace.ld());
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        int ii = i, jj = j;
                        assertEquals(Float.floatToRawIntBits(packed.get(i, j)),
                                Float.floatToRawIntBits(inPlace.get(i, j)),
                                () -> "C[" + ii + "," + jj + "] of " + m + " x " + n + " x " + k + " differs from the "
                                        + wide + "-column product, " + transB);
                    }
                }
            }
        });
    }

    /** A micro-tile edge one time in two, else a plain small size in [1, 80]. */
    private static int side(SplittableRandom r) {
        return r.nextBoolean() ? SIDE_EDGES[r.nextInt(SIDE_EDGES.length)] : r.nextInt(1, 81);
    }

    /** A size of C to split in two: an edge one time in four, else a size in [2, 150]. */
    private static int splitSide(SplittableRandom r) {
        return r.nextInt(4) == 0 ? SPLIT_EDGES[r.nextInt(SPLIT_EDGES.length)] : r.nextInt(2, 151);
    }

    /** A K edge one time in two, else a depth in [1, 200]. */
    private static int depth(SplittableRandom r) {
        return r.nextBoolean() ? DEPTH_EDGES[r.nextInt(DEPTH_EDGES.length)] : r.nextInt(1, 201);
    }

    private static Transpose transpose(SplittableRandom r) {
        return Transpose.values()[r.nextInt(Transpose.values().length)];
    }

    private static float pick(SplittableRandom r, float[] values) {
        return values[r.nextInt(values.length)];
    }

    /**
     * Runs the case on both implementations and compares each element within
     * {@code (2k + 2 blocks + 4) * eps * (|alpha| sum_l |a_il b_lj| + |beta c_ij|)}. Derivation:
     * the reference is one k-term FMA chain (at most k roundings), then alpha's product and the
     * beta FMA: within (k + 2) eps of the exact value, relative to that magnitude. The vector
     * kernel cuts the chain into {@code blocks} K blocks and folds each into C with a product and
     * an FMA: within (k + 2 blocks) eps. The difference of two such results is within the sum,
     * plus 2 for second-order terms.
     */
    private static void assertMatchesReference(Case t) {
        SplittableRandom r = new SplittableRandom(t.seed());
        try (Arena arena = Arena.ofConfined()) {
            Operand a = opA(arena, r, t.transA(), t.m(), t.k(), t.pad(), t.offset(), t.scale());
            Operand b = opB(arena, r, t.transB(), t.k(), t.n(), t.pad(), t.offset() + 1, t.scale());
            Operand c0 = t.beta() == 0f
                    ? Operand.filled(arena, t.m(), t.n(), t.pad(), t.offset() + 2, Float.NaN)
                    : Operand.random(arena, r, t.m(), t.n(), t.pad(), t.offset() + 2, t.scale());
            Operand got = c0.copy(arena), want = c0.copy(arena);
            gemm(VECTOR, t.transA(), t.transB(), t.m(), t.n(), t.k(), t.alpha(), a, b, t.beta(), got);
            gemm(SCALAR, t.transA(), t.transB(), t.m(), t.n(), t.k(), t.alpha(), a, b, t.beta(), want);
            int blocks = t.k() == 0 ? 1 : (t.k() + GemmBlocking.kBlock(t.k()) - 1) / GemmBlocking.kBlock(t.k());
            double c = 2.0 * t.k() + 2 * blocks + 4;
            for (int i = 0; i < t.m(); i++) {
                for (int j = 0; j < t.n(); j++) {
                    double sum = 0;
                    for (int l = 0; l < t.k(); l++) {
                        sum += Math.abs((double) at(a, t.transA(), i, l) * at(b, t.transB(), l, j));
                    }
                    double magnitude = Math.abs(t.alpha()) * sum
                            + (t.beta() == 0f ? 0 : Math.abs((double) t.beta() * c0.get(i, j)));
                    float g = got.get(i, j), w = want.get(i, j);
                    int ii = i, jj = j;
                    assertTrue(Float.isFinite(g), () -> "C[" + ii + "," + jj + "] = " + g + " in " + t);
                    assertTrue(Math.abs((double) g - w) <= c * EPS * magnitude,
                            () -> "C[" + ii + "," + jj + "] = " + g + ", reference " + w + ", bound "
                                    + c * EPS * magnitude + " in " + t);
                }
            }
            assertEquals(-1, got.firstOverwrittenOutside(), () -> "wrote outside C in " + t);
        }
    }

    /** op(A) is m x k: A is stored m x k, or k x m when transposed. */
    private static Operand opA(Arena arena, SplittableRandom r, Transpose t, int m, int k, int pad, int offset,
            float scale) {
        return t == Transpose.NO
                ? Operand.random(arena, r, m, k, pad, offset, scale)
                : Operand.random(arena, r, k, m, pad, offset, scale);
    }

    /** op(B) is k x n: B is stored k x n, or n x k when transposed. */
    private static Operand opB(Arena arena, SplittableRandom r, Transpose t, int k, int n, int pad, int offset,
            float scale) {
        return t == Transpose.NO
                ? Operand.random(arena, r, k, n, pad, offset, scale)
                : Operand.random(arena, r, n, k, pad, offset, scale);
    }

    /** Element (i, j) of op(X). */
    private static float at(Operand x, Transpose t, int i, int j) {
        return t == Transpose.NO ? x.get(i, j) : x.get(j, i);
    }

    private static void gemm(Kernels kernels, Transpose transA, Transpose transB, int m, int n, int k, float alpha,
            Operand a, Operand b, float beta, Operand c) {
        kernels.gemm(transA, transB, m, n, k, alpha, a.segment(), a.offset(), a.ld(), b.segment(), b.offset(), b.ld(),
                beta, c.segment(), c.offset(), c.ld());
    }
}
