package io.attn4j.engine.internal;

import java.lang.foreign.MemorySegment;

/**
 * The pieces of the fused (tiled, online-softmax) attention that run per tile: a few query rows'
 * scores against a key block, the online softmax update of a score row, the {@code P V}
 * accumulation, and the final scaling of an output row. Offsets and strides count floats.
 * Implementations trust their caller (the attention layer has checked its operands once) and keep
 * no state: one instance serves every thread, each passing its own {@code lanes} scratch.
 *
 * <p>Error bounds, against the same formulas in double from the same float inputs
 * ({@code eps = 2^-24}): {@link #scores} within {@code (d + 1) eps |scale| sum_c |q_c k_c|};
 * {@link #softmaxUpdate} each {@code p} within the exp's error (1 ulp for the vector kernels, half
 * an ulp for the scalar ones) of {@code exp} of the rounded difference, the sum within
 * {@code n eps} relative; {@link #accumulate} each output within
 * {@code n eps sum_c |p_c v_c|} plus one rounding for the rescale.
 */
public interface AttentionTiles {

    /**
     * Floats of heap scratch ({@code lanes}) that {@link #scores} and {@link #softmaxUpdate} need;
     * a caller allocates it once per thread.
     */
    int scratchFloats();

    /**
     * The multiple to which a score row's length must be rounded up for {@link #softmaxUpdate}:
     * the tile's row stride must leave room for {@code lim} rounded up to it.
     */
    int rowQuantum();

    /**
     * {@code s[r, c] = scale * (q_r . k_c)} for {@code r < rows}, {@code c < n}, over {@code d}
     * features: the direct dot products of the decoding case, where a GEMM would pack a whole key
     * block for a row or two. Each dot's terms are added in one fixed order, the same in compiled
     * and interpreted code.
     *
     * @param q {@code [rows, d]} at {@code qOff}, row stride {@code ldq}; not modified
     * @param k {@code [n, d]} at {@code kOff}, row stride {@code ldk}; not modified
     * @param s {@code [rows, n]} at {@code sOff}, row stride {@code lds}; overwritten
     */
    void scores(int rows, int n, int d, float scale, MemorySegment q, long qOff, long ldq, MemorySegment k, long kOff,
            long ldk, MemorySegment s, long sOff, long lds, float[] lanes);

    /**
     * The online softmax update of row {@code r} with the scores {@code s[off, off + lim)}
     * (Milakov and Gimelshein's running max and sum):
     * <pre>
     *   m' = max(m, max_c s[c]),  p[c] = exp(s[c] - m') written over s (c < lim), 0 for lim <= c < n
     *   alpha = exp(m - m'),      l' = alpha l + sum_c p[c]
     * </pre>
     * with {@code m = max[r]}, {@code l = sum[r]}; {@code alpha[r]} is left for {@link #accumulate}.
     * A row that has seen only {@code -inf} scores keeps {@code m = -inf, l = 0} and {@code p = 0}.
     * The row must have room up to {@code lim} rounded up to {@link #rowQuantum()} (it may be
     * written there).
     */
    void softmaxUpdate(MemorySegment s, long off, int lim, int n, float[] max, float[] sum, float[] alpha, int r,
            float[] lanes);

    /**
     * {@code O[r, :] = alpha[alphaFrom + r] * O[r, :] + sum_c P[r, c] V[c, :]} for {@code r < rows},
     * the sum in key order. Keys whose {@code p} is zero are skipped, so a value row no row attends
     * to is never used (it may hold NaN).
     *
     * @param p {@code [rows, n]} at {@code pOff}, row stride {@code ldp}; not modified
     * @param v {@code [n, dv]} at {@code vOff}, row stride {@code ldv}; not modified
     * @param o {@code [rows, dv]} at {@code oOff}, row stride {@code ldo}; updated
     */
    void accumulate(int rows, int n, int dv, float[] alpha, int alphaFrom, MemorySegment p, long pOff, long ldp,
            MemorySegment v, long vOff, long ldv, MemorySegment o, long oOff, long ldo);

    /** {@code dst[c] = src[c] * f} for {@code c < n}: correctly rounded. */
    void scaleInto(MemorySegment src, long srcOff, float f, MemorySegment dst, long dstOff, int n);
}
