package io.attn4j.engine.internal.vector.gemm;

import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.IN_PLACE_A_COLUMNS;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.MC;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.MR;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.NC;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.NR;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;

/**
 * The vector GEMM, {@code C = alpha * op(A) op(B) + beta * C}, in the BLIS shape: five loops,
 * each blocking one dimension so that what the loops inside it reuse stays in one cache level,
 * around one register-blocked {@link MicroKernel}. The contract is that of {@link Kernels#gemm};
 * block sizes are in {@link GemmBlocking}, the packed layouts in {@link Packing}.
 *
 * <p>The two innermost loops run in BLIS's order: a B sliver ({@code KC x NR}) is reused by every
 * A sliver of the packed A block, so B streams from L2 once per block instead of once per A
 * sliver from the L3-sized panel; the micro-tiles walk down a column strip of C. A panel at
 * most {@link GemmBlocking#IN_PLACE_A_COLUMNS} wide (attention's {@code P V}) reuses an A sliver
 * too little to repay its packing: an untransposed A is then read where it lies, by
 * {@link MicroKernel#tileInPlace}, with the same bits.
 *
 * <p>The K sum is cut into blocks by {@link GemmBlocking#kBlock}, a function of k alone. The
 * first block applies beta (or overwrites C when beta is 0, never reading it), later blocks add
 * {@code alpha * partial sum} to C. So each element's bits depend only on its row of op(A), its
 * column of op(B) and k: splitting C's rows or columns across calls or threads does not change
 * the result.
 *
 * <p>Error per element, to first order: {@code (k + 2b) * eps * |alpha| * sum_l |a_il b_lj|}
 * plus the rounding of the beta term, for {@code b = ceil(k / KC)} K blocks (each adds a product
 * by alpha and an FMA into C): the {@code k * eps} bound of the contract, up to a small constant.
 */
public final class Gemm {
    private Gemm() {
    }

    /** Arguments are already checked by the caller ({@code KernelArgs.gemm}). */
    public static void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
            MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
            float beta, MemorySegment c, long cOff, long ldc) {
        run(transA, m, n, k, alpha, a, aOff, lda, transB, b, bOff, ldb, null, beta, c, cOff, ldc);
    }

    /**
     * The product with op(B) packed in advance: the same loops and the same bits, without the
     * packing of B. Arguments are already checked ({@code KernelArgs.gemmPacked}).
     */
    public static void gemm(Transpose transA, int m, float alpha, MemorySegment a, long aOff, long lda,
            PackedPanels packed, float beta, MemorySegment c, long cOff, long ldc) {
        run(transA, m, packed.n(), packed.k(), alpha, a, aOff, lda, null, null, 0, 0, packed, beta, c, cOff, ldc);
    }

    /** The driver; B comes packed ({@code packed != null}) or is packed here block by block. */
    private static void run(Transpose transA, int m, int n, int k, float alpha, MemorySegment a, long aOff, long lda,
            Transpose transB, MemorySegment b, long bOff, long ldb, PackedPanels packed,
            float beta, MemorySegment c, long cOff, long ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        int kStep = GemmBlocking.kBlock(k);
        GemmWorkspace ws = GemmWorkspace.forProduct(m, packed == null ? n : 0, kStep);
        // jc: NC columns of C and op(B), so that the packed B panel (KC x NC) fits in L3.
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            // pc: one block of the K sum (GemmBlocking.kBlock, a function of k alone). It runs at
            // least once, so that k == 0 still sets C to beta * C.
            int pc = 0;
            do {
                int kc = Math.min(kStep, k - pc);
                float betaHere = pc == 0 ? beta : 1f;
                float[] bp = ws.b;
                int bAt = 0;
                if (packed == null) {
                    Packing.packB(transB, b, bOff, ldb, pc, jc, kc, nc, ws.b, 0);
                } else {
                    bp = packed.data;
                    bAt = packed.offset(jc, pc);
                }
                // ic: MC rows of C and op(A), packed once per K block; for a narrow panel the whole
                // MR-row slivers of an untransposed A are read in place (IN_PLACE_A_COLUMNS). Only
                // from native memory: element reads that have seen heap segments too stop inlining.
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    int inPlace = transA == Transpose.NO && nc <= IN_PLACE_A_COLUMNS && a.isNative() ? mc - mc % MR : 0;
                    if (inPlace > 0) {
                        inPlaceA(kc, a, aOff, lda, ic, pc, inPlace, bp, bAt, nc, alpha, betaHere,
                                c, cOff + ic * ldc + jc, ldc, ws.tile);
                    }
                    if (inPlace < mc) {
                        Packing.packA(transA, a, aOff, lda, ic + inPlace, pc, mc - inPlace, kc, ws.a);
                        packedA(kc, mc - inPlace, ws, bp, bAt, nc, alpha, betaHere, c, cOff + (ic + inPlace) * ldc + jc,
                                ldc);
                    }
                }
                pc += kStep;
            } while (pc < k);
        }
    }

    /** The jr and ir loops over one packed A block of {@code mc} rows; {@code cAt} is its top left in C. */
    private static void packedA(int kc, int mc, GemmWorkspace ws, float[] bp, int bAt, int nc, float alpha,
            float beta, MemorySegment c, long cAt, long ldc) {
        // a lone last row (batch-1 steps, GEMV-shaped products) goes by MicroKernel.row below
        int tiled = mc % MR == 1 ? mc - 1 : mc;
        // jr: NR columns, one B sliver, reused by the ir loop's A slivers.
        for (int jr = 0; jr < nc && tiled > 0; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            // ir: MR rows, one A sliver streamed from L2: one micro-tile of C.
            for (int ir = 0; ir < tiled; ir += MR) {
                MicroKernel.tile(kc, ws.a, ir * kc, bp, bAt + jr * kc, alpha, beta,
                        c, cAt + ir * ldc + jr, ldc, Math.min(MR, tiled - ir), cols, ws.tile);
            }
        }
        if (tiled < mc) {
            // several B slivers per call, so that enough FMA chains run; same bits as tile()
            long cRow = cAt + tiled * ldc;
            int jr = 0;
            for (; jr + MicroKernel.ROW_PANELS * NR <= nc; jr += MicroKernel.ROW_PANELS * NR) {
                MicroKernel.row(kc, ws.a, tiled * kc, bp, bAt + jr * kc, alpha, beta, c, cRow + jr);
            }
            for (; jr < nc; jr += NR) {
                MicroKernel.tile(kc, ws.a, tiled * kc, bp, bAt + jr * kc, alpha, beta,
                        c, cRow + jr, ldc, 1, Math.min(NR, nc - jr), ws.tile);
            }
        }
    }

    /**
     * The ir and jr loops over {@code rows} (a multiple of MR) rows of A, not transposed, read where they lie,
     * starting at row {@code i0} and depth {@code l0}; {@code cAt} is their top left in C. The jr
     * loop runs inside: an A sliver comes from memory once and from L2 for the next B sliver.
     */
    private static void inPlaceA(int kc, MemorySegment a, long aOff, long lda, int i0, int l0,
            int rows, float[] bp, int bAt, int nc, float alpha, float beta, MemorySegment c, long cAt, long ldc,
            float[] tile) {
        for (int ir = 0; ir < rows; ir += MR) {
            long aAt = aOff + (i0 + ir) * lda + l0;
            for (int jr = 0; jr < nc; jr += NR) {
                MicroKernel.tileInPlace(kc, a, aAt, lda, bp, bAt + jr * kc, alpha, beta,
                        c, cAt + ir * ldc + jr, ldc, Math.min(NR, nc - jr), tile);
            }
        }
    }
}
