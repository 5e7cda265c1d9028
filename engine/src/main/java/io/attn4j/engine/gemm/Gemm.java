package io.attn4j.engine.gemm;

import static io.attn4j.engine.gemm.GemmBlocking.MC;
import static io.attn4j.engine.gemm.GemmBlocking.MR;
import static io.attn4j.engine.gemm.GemmBlocking.NC;
import static io.attn4j.engine.gemm.GemmBlocking.NR;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;

/**
 * The vector GEMM, {@code C = alpha * op(A) op(B) + beta * C}, in the BLIS shape: five loops,
 * each blocking one dimension so that the operands of the loop inside it stay in one cache
 * level, around one register-blocked {@link MicroKernel}. The contract is that of
 * {@link Kernels#gemm}; block sizes are in {@link GemmBlocking}.
 *
 * <p>The K sum of every element is cut at the same multiples of {@link GemmBlocking#KC}
 * whatever m and n are; the first K block applies beta (or overwrites C when beta is 0, never
 * reading it), later blocks add {@code alpha * partial sum}. So each element's bits depend only
 * on its row of op(A), its column of op(B) and k: splitting C's rows or columns across calls
 * or threads does not change the result.
 *
 * <p>Error per element: {@code |err| <= k * eps * |alpha| * sum_l |a_il b_lj|} plus the rounding
 * of the beta term (each K block adds one FMA chain and two roundings, well inside the bound).
 */
public final class Gemm {
    private Gemm() {
    }

    /** Arguments are already checked by the caller ({@code KernelArgs.gemm}). */
    public static void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                            MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
                            float beta, MemorySegment c, long cOff, long ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        int kStep = GemmBlocking.kBlock(k);
        GemmWorkspace ws = GemmWorkspace.forProduct(m, n, kStep);
        // jc: a panel of NC columns of C and op(B), so that the packed B panel stays in L3.
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            // pc: a KC-deep slice of the K sum, so that one packed B sliver stays in L1. It runs
            // at least once, so that k == 0 still scales C by beta.
            int pc = 0;
            do {
                int kc = Math.min(kStep, k - pc);
                float betaHere = pc == 0 ? beta : 1f;
                Packing.packB(transB, b, bOff, ldb, pc, jc, kc, nc, ws.b);
                // ic: a block of MC rows of C and op(A), so that the packed A block stays in L2.
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    Packing.packA(transA, a, aOff, lda, ic, pc, mc, kc, ws.a);
                    // ir: one MR-row sliver of the A block, which stays in L1 while jr walks
                    // the B panel.
                    for (int ir = 0; ir < mc; ir += MR) {
                        int rows = Math.min(MR, mc - ir);
                        long cRow = cOff + (ic + ir) * ldc + jc;
                        // jr: one NR-wide sliver of the B panel, one micro-tile of C. C is
                        // row-major, so consecutive tiles write consecutive memory of MR rows.
                        for (int jr = 0; jr < nc; jr += NR) {
                            MicroKernel.tile(kc, ws.a, ir * kc, ws.b, jr * kc, alpha, betaHere,
                                    c, cRow + jr, ldc, rows, Math.min(NR, nc - jr), ws.tile);
                        }
                    }
                }
                pc += kStep;
            } while (pc < k);
        }
    }
}
