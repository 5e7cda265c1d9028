package io.attn4j.engine.internal;

import java.lang.foreign.MemorySegment;

/**
 * The pieces of the fused (tiled, online-softmax) attention that run per tile. A tile is a block
 * of query rows against a block of keys; its scores, probabilities and output accumulators live in
 * heap arrays of the caller's worker (the micro-kernels' array loads compile without per-load
 * bounds checks, segment loads do not), the keys and values of a block of queries in the packed
 * layouts of {@link #packKeys} and {@link #packValues}. Offsets and strides count floats.
 * Implementations trust their caller (the attention layer has checked its operands once) and keep
 * no state: one instance serves every thread.
 *
 * <p>Two ways through a tile: a block of queries ({@link #scoreTile}, {@link #softmaxUpdate},
 * {@link #accumulatePacked}) reads keys and values packed once for all its key blocks; a few rows
 * (decoding) score and accumulate straight from the key and value rows ({@link #scores},
 * {@link #softmaxUpdate}, {@link #accumulate}), where packing would read every key twice.
 *
 * <p>Error bounds, against the same formulas in double from the same float inputs
 * ({@code eps = 2^-24}): {@link #scores} and {@link #scoreTile} within
 * {@code (d + 1) eps |scale| sum_c |q_c k_c|}; {@link #softmaxUpdate} each {@code p} within the
 * exp's error (1 ulp for the vector kernels, half an ulp for the scalar ones) of {@code exp} of the
 * rounded difference, or 0 where that is below {@code 2^-126}, the sum within {@code n eps}
 * relative; {@link #accumulate} and {@link #accumulatePacked} each output within
 * {@code n eps sum_c |p_c v_c|} plus one rounding for the rescale.
 */
public interface AttentionTiles {

    /**
     * Floats of heap scratch ({@code lanes}) that {@link #scores} and {@link #softmaxUpdate} need;
     * a caller allocates it once per thread.
     */
    int scratchFloats();

    /** Keys per sliver of {@link #packKeys}; a key block of {@link #scoreTile} starts on a multiple of it. */
    int keyQuantum();

    /** Value columns per sliver of {@link #packValues}; output accumulator rows hold a multiple of it. */
    int valueQuantum();

    /**
     * Rows that {@link #scoreTile} computes at once: it reads (and writes scores for) the rows up to
     * {@code rows} rounded up to this, so the query and score arrays need that many.
     */
    int rowGroup();

    /** The multiple to which {@link #softmaxUpdate} rounds a row's length: a score row needs room up to it. */
    int rowQuantum();

    /**
     * Packs keys {@code [0, n)}, rows of {@code d} floats at {@code kOff} with stride {@code ldk},
     * in slivers of {@code q = keyQuantum()} keys: {@code dst[dstOff + (c / q) q d + l q + c % q] = k[c, l]},
     * zeros for the keys up to {@code n} rounded up to {@code q}.
     */
    void packKeys(int n, int d, MemorySegment k, long kOff, long ldk, float[] dst, int dstOff);

    /**
     * Packs value rows {@code [0, n)}, {@code dv} floats each at {@code vOff} with stride
     * {@code ldv}, in column slivers of {@code q = valueQuantum()}, {@code n q} floats each:
     * {@code dst[dstOff + t n q + c q + j] = v[c, t q + j]}, zeros past {@code dv}.
     */
    void packValues(int n, int dv, MemorySegment v, long vOff, long ldv, float[] dst, int dstOff);

    /**
     * {@code s[r, c] = scale * (q_r . k_c)} for {@code r < rows}, {@code c < n}, over {@code d}
     * features, from query rows {@code q[qOff + r ldq ..]} and keys packed by {@link #packKeys}
     * from {@code kp[kpOff]} on (the block's first sliver); {@code -inf} in the columns from
     * {@code n} up to {@code n} rounded up to {@link #keyQuantum()}; and
     * {@code rowMax[rowMaxOff + r] = max_c s[r, c]} over {@code c < n}, NaN skipped ({@code -inf}
     * for none). The rows up to {@code rows} rounded up to {@link #rowGroup()} are read from
     * {@code q} and written to {@code s} (their scores mean nothing); each dot's terms are added
     * in feature order.
     */
    void scoreTile(int rows, int n, int d, float scale, float[] q, int qOff, int ldq, float[] kp, int kpOff, float[] s,
            int sOff, int lds, float[] rowMax, int rowMaxOff);

    /**
     * {@code s[r, c] = scale * (q_r . k_c)} for {@code r < rows}, {@code c < n}, over {@code d}
     * features: the direct dot products of the decoding case, where packing would read each key
     * once more. Each dot's terms are added in one fixed order, the same in compiled and
     * interpreted code.
     *
     * @param q {@code [rows, d]} at {@code qOff}, row stride {@code ldq}; not modified
     * @param k {@code [n, d]} at {@code kOff}, row stride {@code ldk}; not modified
     * @param s {@code [rows, n]} at {@code sOff}, row stride {@code lds}; overwritten
     */
    void scores(int rows, int n, int d, float scale, MemorySegment q, long qOff, long ldq, MemorySegment k, long kOff,
            long ldk, float[] s, int sOff, int lds, float[] lanes);

    /**
     * The online softmax update of row {@code r} with the scores {@code s[off, off + lim)}
     * (Milakov and Gimelshein's running max and sum):
     * <pre>
     *   m' = max(m, max_c s[c]),  p[c] = exp(s[c] - m') written over s (c < lim), 0 for lim <= c < n
     *   alpha = exp(m - m'),      l' = alpha l + sum_c p[c]
     * </pre>
     * with {@code m = max[r]}, {@code l = sum[r]}; {@code alpha[r]} is left for the {@code P V}
     * step. A row that has seen only {@code -inf} scores keeps {@code m = -inf, l = 0} and
     * {@code p = 0}. The row must have room up to {@code lim} rounded up to {@link #rowQuantum()}
     * (it may be written there). {@code blockMax} is {@code max_c s[c]} when the caller knows it
     * from {@link #scoreTile} (then {@code lim = n} and the row holds {@code -inf} from {@code n}
     * to its rounded length), else NaN.
     */
    void softmaxUpdate(float[] s, int off, int lim, int n, float[] max, float[] sum, float[] alpha, int r,
            float blockMax, float[] lanes);

    /**
     * {@code O[r, :] = alpha[alphaFrom + r] * O[r, :] + sum_c P[r, c] V[c, :]} for {@code r < rows},
     * the sum in key order, {@code V} in the layout of {@link #packValues} from {@code vp[vpOff]}
     * on (each sliver {@code vpStride} floats after the last) and {@code O} rows holding
     * {@code dv} rounded up to {@link #valueQuantum()} columns. With {@code skipZeros}, keys whose
     * {@code p} is zero in every row of a group of {@link #rowGroup()} rows are skipped, so a value
     * row no row attends to is never used (it may hold NaN).
     */
    void accumulatePacked(int rows, int n, int dv, float[] alpha, int alphaFrom, float[] p, int pOff, int ldp,
            float[] vp, int vpOff, int vpStride, float[] o, int oOff, int ldo, boolean skipZeros);

    /**
     * {@code O[r, :] = alpha[alphaFrom + r] * O[r, :] + sum_c P[r, c] V[c, :]} for {@code r < rows},
     * the sum in key order, from value rows in memory: the decoding case. Keys whose {@code p} is
     * zero are skipped, so a value row no row attends to is never used (it may hold NaN).
     *
     * @param p {@code [rows, n]} at {@code pOff}, row stride {@code ldp}; not modified
     * @param v {@code [n, dv]} at {@code vOff}, row stride {@code ldv}; not modified
     * @param o {@code [rows, dv]} at {@code oOff}, row stride {@code ldo}; updated
     */
    void accumulate(int rows, int n, int dv, float[] alpha, int alphaFrom, float[] p, int pOff, int ldp,
            MemorySegment v, long vOff, long ldv, float[] o, int oOff, int ldo);

    /** {@code dst[c] = src[c] * f} for {@code c < n}: correctly rounded. */
    void scaleInto(float[] src, int srcOff, float f, MemorySegment dst, long dstOff, int n);
}
