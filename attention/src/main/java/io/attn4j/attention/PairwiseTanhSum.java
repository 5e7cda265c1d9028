package io.attn4j.attention;

import io.attn4j.engine.kernel.Kernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The pairwise tanh-sum behind additive scores:
 * {@code s[i, j] = outer * sum_c w[c] * tanh(inner * (a[i, c] + b[j, c]))} over {@code n}
 * features, {@code w[c] = 1} when no weights are given. O(rows * cols * n) tanh evaluations.
 *
 * <p>Error: the tanh bound of the kernels ({@code VectorMath.TANH_ULPS}, or the scalar one) on
 * each term, plus {@code (n + 3) * eps * |outer| * sum_c |w_c tanh(.)|} for the sums and products.
 */
final class PairwiseTanhSum {
    private PairwiseTanhSum() {
    }

    /**
     * @param a {@code [rows, n]} (ld {@code lda}); not modified
     * @param b {@code [cols, n]} (ld {@code ldb}); not modified
     * @param w {@code n} weights, or null for all ones
     * @param s {@code [rows, cols]} (ld {@code lds}); overwritten
     * @param tmp {@code n} floats of scratch
     */
    static void scores(Kernels kernels, int rows, int cols, int n, MemorySegment a, long aOff, long lda,
            MemorySegment b, long bOff, long ldb, float inner, MemorySegment w, long wOff, float outer,
            MemorySegment s, long sOff, long lds, MemorySegment tmp, long tmpOff) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                // tmp [n] = tanh(inner * (a_i + b_j))
                kernels.add(n, a, aOff + i * lda, b, bOff + j * ldb, tmp, tmpOff);
                if (inner != 1f) {
                    kernels.scale(n, inner, tmp, tmpOff);
                }
                kernels.tanh(n, tmp, tmpOff, tmp, tmpOff);
                float sum = w == null ? kernels.sum(n, tmp, tmpOff) : kernels.dot(n, w, wOff, tmp, tmpOff);
                s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, sOff + i * lds + j, outer * sum);
            }
        }
    }
}
