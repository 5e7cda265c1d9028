package io.attn4j.engine.internal.vector.gemm;

import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.MR;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.NR;

import io.attn4j.engine.internal.vector.Simd;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Copies blocks of op(A) and op(B) into the layouts the micro-kernel reads with unit stride,
 * whatever the operands' transposes and leading dimensions:
 * <ul>
 *   <li>packed A, an {@code mc x kc} block, row-major with {@code mc} rounded up to MR:
 *       {@code pa[i*kc + l] = op(A)[i0 + i, l0 + l]}. An MR-row sliver is MR contiguous rows,
 *       which the micro-kernel reads as MR streams;</li>
 *   <li>packed B, a {@code kc x nc} panel cut into NR-column slivers, each stored row-major:
 *       {@code pb[base + s*kc + l*NR + c] = op(B)[l0 + l, j0 + s + c]} for {@code s} a multiple of NR.
 *       The micro-kernel reads a sliver's row as two whole vectors.</li>
 * </ul>
 * Rows of A and columns of B beyond the edge of the matrix are zeros: the micro-kernel always
 * computes a full tile, and the padding adds exact zeros.
 *
 * <p>Every copy walks its source row by row, contiguous along the row: walking down a column of
 * a matrix whose leading dimension is a power of two maps every access to the same cache sets
 * and defeats the prefetcher.
 */
public final class Packing {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int L = Simd.LANES;

    private Packing() {
    }

    /**
     * The whole {@code kc x nc} op(B) in packed-B layout: {@code pb[base + s*kc + l*NR + c] = op(B)[l, s + c]}
     * ({@code s} a multiple of {@code NR = 2 LANES}), zeros past column {@code nc}; for the fused attention's
     * keys ({@code op(B) = K^T}) and values ({@code op(B) = V}).
     */
    public static void packSlivers(Transpose trans, MemorySegment b, long bOff, long ldb, int kc, int nc, float[] pb,
            int base) {
        packB(trans, b, bOff, ldb, 0, 0, kc, nc, pb, base);
    }

    /** Packs rows {@code [i0, i0 + mc)} and columns {@code [l0, l0 + kc)} of op(A). */
    static void packA(Transpose trans, MemorySegment a, long aOff, long lda, int i0, int l0, int mc, int kc,
            float[] pa) {
        if (trans == Transpose.NO) {
            // op(A)[i, l] = A[i*lda + l]: packed row i is a piece of row i of A.
            for (int i = 0; i < mc; i++) {
                copy(a, aOff + (i0 + i) * lda + l0, kc, pa, i * kc);
            }
        } else {
            // op(A)[i, l] = A[l*lda + i]: the block is a transposed piece of A.
            transpose(a, aOff + l0 * lda + i0, lda, kc, mc, pa, 0, kc);
        }
        Arrays.fill(pa, mc * kc, GemmWorkspace.roundUp(mc, MR) * kc, 0f);
    }

    /** Packs rows {@code [l0, l0 + kc)} and columns {@code [j0, j0 + nc)} of op(B). */
    static void packB(Transpose trans, MemorySegment b, long bOff, long ldb, int l0, int j0, int kc, int nc, float[] pb,
            int base) {
        int full = nc - nc % NR;
        if (trans == Transpose.NO) {
            // op(B)[l, j] = B[l*ldb + j]: row l of B feeds row l of every sliver.
            for (int l = 0; l < kc; l++) {
                long row = bOff + (l0 + l) * ldb + j0;
                for (int s = 0; s < full; s += NR) {
                    // one sliver row: NR = 2 vectors, copied without a loop of its own
                    int at = base + s * kc + l * NR;
                    FloatVector.fromMemorySegment(Simd.SPECIES, b, 4 * (row + s), ORDER).intoArray(pb, at);
                    FloatVector.fromMemorySegment(Simd.SPECIES, b, 4 * (row + s + L), ORDER).intoArray(pb, at + L);
                }
                if (full < nc) {
                    int at = base + full * kc + l * NR;
                    copy(b, row + full, nc - full, pb, at);
                    Arrays.fill(pb, at + nc - full, at + NR, 0f);
                }
            }
        } else {
            // op(B)[l, j] = B[j*ldb + l]: each sliver is a transposed piece of B.
            for (int s = 0; s < nc; s += NR) {
                int cols = Math.min(NR, nc - s);
                transpose(b, bOff + (j0 + s) * ldb + l0, ldb, cols, kc, pb, base + s * kc, NR);
                for (int l = 0; l < kc && cols < NR; l++) {
                    Arrays.fill(pb, base + s * kc + l * NR + cols, base + s * kc + (l + 1) * NR, 0f);
                }
            }
        }
    }

    /** Source columns staged at once per row by {@link #transpose}. */
    private static final int STAGED_COLUMNS = 256;
    /** Per-thread staging of eight source row pieces, {@code STAGED_COLUMNS} floats each. */
    private static final ThreadLocal<float[]> STAGING = ThreadLocal.withInitial(() -> new float[8 * STAGED_COLUMNS]);

    /**
     * {@code dst[at + c*dstLd + r] = src[off + r*ld + c]} for {@code r < rows, c < cols}. Eight
     * source rows are taken side by side, a piece of each copied in bulk to a heap staging array,
     * so that every column of theirs lands as eight adjacent floats of dst (faster than square
     * tiles). Element-wise segment reads would depend on the segment's class: once both heap and
     * native segments have been seen here, C2 no longer inlines them, and each costs a call.
     */
    private static void transpose(MemorySegment src, long off, long ld, int rows, int cols,
            float[] dst, int at, int dstLd) {
        float[] staged = STAGING.get();
        for (int c0 = 0; c0 < cols; c0 += STAGED_COLUMNS) {
            int w = Math.min(STAGED_COLUMNS, cols - c0);
            for (int r0 = 0; r0 < rows; r0 += 8) {
                int h = Math.min(8, rows - r0);
                for (int i = 0; i < h; i++) {
                    MemorySegment.copy(src, FLOAT, 4 * (off + (r0 + i) * ld + c0), staged, i * w, w);
                }
                int d = at + c0 * dstLd + r0;
                if (h == 8) {
                    for (int c = 0; c < w; c++, d += dstLd) {
                        dst[d] = staged[c];
                        dst[d + 1] = staged[w + c];
                        dst[d + 2] = staged[2 * w + c];
                        dst[d + 3] = staged[3 * w + c];
                        dst[d + 4] = staged[4 * w + c];
                        dst[d + 5] = staged[5 * w + c];
                        dst[d + 6] = staged[6 * w + c];
                        dst[d + 7] = staged[7 * w + c];
                    }
                } else {
                    for (int c = 0; c < w; c++, d += dstLd) {
                        for (int i = 0; i < h; i++) {
                            dst[d + i] = staged[i * w + c];
                        }
                    }
                }
            }
        }
    }

    /** {@code dst[at .. at + n) = src[off .. off + n)}, by vectors and a scalar tail. */
    private static void copy(MemorySegment src, long off, int n, float[] dst, int at) {
        int j = 0;
        for (; j < Simd.SPECIES.loopBound(n); j += L) {
            FloatVector.fromMemorySegment(Simd.SPECIES, src, 4 * (off + j), ORDER).intoArray(dst, at + j);
        }
        for (; j < n; j++) {
            dst[at + j] = src.getAtIndex(FLOAT, off + j);
        }
    }
}
