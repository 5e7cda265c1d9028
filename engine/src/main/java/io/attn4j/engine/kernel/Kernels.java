package io.attn4j.engine.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The arithmetic attn4j is built from, over float32 data in {@link MemorySegment}s.
 *
 * <h2>Addressing</h2>
 * Every operand is a segment plus an <em>element</em> offset (floats, not bytes). Vectors are
 * contiguous; matrices are row-major with a leading dimension {@code ld} (elements between the
 * starts of consecutive rows, {@code ld >= cols}). Data is little-endian float32 (the native
 * order of every platform the Vector API runs on).
 *
 * <h2>Contract shared by all methods</h2>
 * <ul>
 *   <li>Arguments are checked before anything is written: a length, offset or leading dimension
 *       that reaches outside a segment is an {@link IllegalArgumentException} naming the argument;
 *       a segment whose arena is closed is an {@link IllegalStateException}. A rejected call
 *       leaves every output as it was.</li>
 *   <li>Outputs may alias inputs only where a method says so.</li>
 *   <li>Methods are single-threaded and stateless: one instance serves any number of threads.
 *       {@link io.attn4j.engine.parallel.Parallel} splits the row-wise ones and GEMM over an
 *       {@link java.util.concurrent.Executor} without changing any result bit.</li>
 *   <li>Error bounds are against the same expression evaluated in double precision;
 *       {@code eps = 2^-24} (the float unit roundoff). Reductions over {@code n} terms are bounded
 *       relative to the sum of magnitudes, because a vector implementation reorders the sum.</li>
 * </ul>
 *
 * <p>The scalar reference ({@link KernelProvider#scalar()}) is: plain loops in the order the math is written.
 * {@link KernelProvider#kernels()} returns the implementation chosen for this machine.
 */
public interface Kernels {

    /** A short name for logs and reports, e.g. {@code "vector-512"} or {@code "scalar"}. */
    String name();

    // ---- level 1 -------------------------------------------------------------------------

    /**
     * {@code sum_i x[i] * y[i]} over {@code n} elements.
     * Error: {@code |err| <= n * eps * sum_i |x[i] y[i]|} (plus one rounding of the result).
     */
    float dot(int n, MemorySegment x, long xOff, MemorySegment y, long yOff);

    /** {@code y[i] += alpha * x[i]}. Modifies {@code y}. Error: one fused rounding per element. */
    void axpy(int n, float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff);

    /** {@code x[i] *= alpha}, in place. Exact up to one rounding per element. */
    void scale(int n, float alpha, MemorySegment x, long xOff);

    /** {@code out[i] = a[i] + b[i]}. {@code out} may alias {@code a} or {@code b}. Correctly rounded. */
    void add(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff);

    /** {@code out[i] = a[i] * b[i]}. {@code out} may alias {@code a} or {@code b}. Correctly rounded. */
    void mul(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff);

    /**
     * {@code out[i] = a[i] * b[i] + c[i]} with one rounding ({@link Math#fma}). {@code out} may alias
     * any input.
     */
    void fma(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment c, long cOff,
            MemorySegment out, long outOff);

    /**
     * {@code sum_i x[i]}. Error: {@code |err| <= n * eps * sum_i |x[i]|}. NaN if any element is
     * NaN or the infinities disagree. 0 for {@code n = 0}.
     */
    float sum(int n, MemorySegment x, long xOff);

    /**
     * The largest element; exact. NaN if any element is NaN. {@code -inf} for {@code n = 0}.
     */
    float max(int n, MemorySegment x, long xOff);

    /**
     * Index of the largest element, the first one among ties; the first NaN's index if there is
     * a NaN; -1 for {@code n = 0}.
     */
    int argmax(int n, MemorySegment x, long xOff);

    // ---- element-wise functions (out may alias x) ---------------------------------------

    /**
     * {@code out[i] = exp(x[i])}. Error against {@link Math#exp} in double rounded to float: at
     * most 1 ulp for the vector kernels, none for the scalar reference, whose result is that rounding (0.5 ulp from the exact value).
     */
    void exp(int n, MemorySegment x, long xOff, MemorySegment out, long outOff);

    /**
     * {@code out[i] = tanh(x[i])}. Error against {@link Math#tanh} in double rounded to float: at
     * most 1 ulp for the vector kernels, none for the scalar reference.
     */
    void tanh(int n, MemorySegment x, long xOff, MemorySegment out, long outOff);

    /**
     * {@code out[i] = 1 / (1 + exp(-x[i]))}. Error against the same expression in double rounded
     * to float: at most 2 ulps for the vector kernels, which
     * may also return +0 where the result is below {@code 2^-126} (it does for x below -87.6);
     * none for the scalar reference.
     */
    void sigmoid(int n, MemorySegment x, long xOff, MemorySegment out, long outOff);

    /** {@code out[i] = max(x[i], 0)}; NaN stays NaN. Exact. */
    void relu(int n, MemorySegment x, long xOff, MemorySegment out, long outOff);

    // ---- row-wise ------------------------------------------------------------------------

    /**
     * Row-wise stable softmax of a {@code rows x cols} matrix:
     * {@code z[c] = scale * x[r, c] + additive[r, c]} over the columns not excluded by the mask,
     * {@code out[r, c] = exp(z[c] - max z) / sum exp(z - max z)}, and 0 at excluded columns.
     *
     * <p>A row where every column is excluded, or every {@code z} is {@code -inf}, yields all zeros
     * (never NaN). Scores of any finite magnitude do not overflow. A NaN or {@code +inf} in a
     * kept {@code z} makes its row NaN. {@code out} may alias {@code x} (same offset and ld).
     *
     * <p>Error: with {@code z} and {@code d = z - max z} rounded to float as written, each output
     * is within {@code ((cols + 1) * eps + 2 * u)} relative of {@code exp(d) / sum exp(d)}, where
     * {@code u} is the relative error of the exp used ({@code eps} for the scalar reference,
     * {@code 3 * eps} for the 1-ulp exp of the vector kernels), plus {@code 2^-126} absolute
     * (an implementation may flush terms {@code exp(d) < 2^-126} to zero); so a row sums to 1
     * within that relative bound plus {@code cols * 2^-126}.
     *
     * @param mask may be null (no mask)
     */
    void softmaxRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx,
            SoftmaxMask mask, MemorySegment out, long outOff, long ldo);

    /**
     * {@code log(sum_i exp(x[i]))}, computed as {@code m + log(sum exp(x[i] - m))} with
     * {@code m = max x}: no overflow for any finite input. {@code -inf} for {@code n = 0} or all
     * {@code -inf}; NaN if any NaN.
     */
    float logSumExp(int n, MemorySegment x, long xOff);

    // ---- level 2 and 3 -------------------------------------------------------------------

    /**
     * {@code y = alpha * op(A) x + beta * y}, with {@code A} an {@code m x n} row-major matrix
     * ({@code lda >= n}); {@code op(A)} is {@code A} ({@code x} has n elements, {@code y} m) or
     * {@code A^T} ({@code x} has m, {@code y} n). When {@code beta == 0}, {@code y} is not read
     * (it may hold NaN). {@code y} must not alias {@code A} or {@code x}.
     * Error per output: {@code |err| <= k * eps * |alpha| * sum |a x|} over its k terms, plus
     * the rounding of the beta term.
     */
    void gemv(Transpose transA, int m, int n, float alpha, MemorySegment a, long aOff, long lda,
            MemorySegment x, long xOff, float beta, MemorySegment y, long yOff);

    /**
     * {@code C = alpha * op(A) op(B) + beta * C}, {@code C} {@code m x n} with leading dimension
     * {@code ldc}, {@code op(A)} {@code m x k}, {@code op(B)} {@code k x n}. {@code A} is stored
     * {@code m x k} (ld {@code lda}) when {@code transA == NO}, else {@code k x m}; likewise
     * {@code B}. When {@code beta == 0}, {@code C} is never read (it may hold garbage, even NaN).
     * {@code C} must not alias {@code A} or {@code B}.
     *
     * <p>Error per output: {@code |err| <= k * eps * |alpha| * sum_l |a_il b_lj|} plus the rounding
     * of the beta term. The result does not depend on how rows or columns of C are split across
     * calls or threads.
     */
    void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
            MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
            float beta, MemorySegment c, long cOff, long ldc);

    /**
     * Packs {@code op(B)} ({@code k x n}; B stored {@code k x n} with leading dimension
     * {@code ldb} when {@code transB == NO}, else {@code n x k}) for repeated
     * {@link #gemm(Transpose, int, float, MemorySegment, long, long, PackedMatrix, float, MemorySegment, long, long)}
     * calls. Reads B, writes nothing; the result is a heap copy owned by the caller.
     */
    PackedMatrix packB(Transpose transB, int k, int n, MemorySegment b, long bOff, long ldb);

    /**
     * {@code C = alpha * op(A) B + beta * C} with B packed by {@link #packB} of this
     * implementation: {@code op(A)} is {@code m x b.k()}, C is {@code m x b.n()}. Same contract,
     * error bound and result bits as the unpacked {@link #gemm}.
     *
     * @throws IllegalArgumentException also if {@code b} was packed by another implementation
     */
    void gemm(Transpose transA, int m, float alpha, MemorySegment a, long aOff, long lda,
            PackedMatrix b, float beta, MemorySegment c, long cOff, long ldc);
}
