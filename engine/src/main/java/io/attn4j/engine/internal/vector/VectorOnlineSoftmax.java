package io.attn4j.engine.internal.vector;

import static jdk.incubator.vector.FloatVector.fromArray;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The online softmax update of one score row against one key block (Milakov and Gimelshein's
 * running max and sum): with the row's running max {@code m} and sum {@code l},
 * <pre>
 *   m' = max(m, max_c s[c])                          over the c < lim the row may see
 *   p[c] = exp(s[c] - m') (c < lim),  0 (lim <= c < n)    written over s
 *   alpha = exp(m - m'),   l' = alpha * l + sum_c p[c]
 * </pre>
 * and {@code alpha} is left for the P V step, which rescales the row's output accumulator by it
 * before adding {@code P V}. A row that has seen only excluded ({@code -inf}) scores keeps
 * {@code m = -inf, l = 0}, its p all zero.
 *
 * <p>Error: each {@code p} within {@link VectorMath#EXP_ULPS} ulp of {@code exp} of the rounded
 * difference (or 0 below {@code 2^-126}: {@link VectorMath#expNonPositive}), whose rounding weighs
 * {@code eps (m' - s)} in the exponent; each rescale adds a rounding to {@code l} and to the
 * accumulator alike. The sum carries {@code n * eps} relative; its lanes are added in lane order
 * through a scratch array (not by {@code reduceLanes(ADD)}, whose order differs between
 * interpreted and compiled code, nor by {@link LaneSum}, a helper C2 may decline to inline after
 * the exp: the vectors would be boxed).
 */
final class VectorOnlineSoftmax {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = Simd.LANES;

    private VectorOnlineSoftmax() {
    }

    /**
     * Updates row {@code r}'s state ({@code max[r]}, {@code sum[r]}, and {@code alpha[r]} for the
     * P V step) with the scores {@code s[off, off + lim)}, and turns {@code s[off, off + n)} into
     * probabilities in place. The row must have room for {@code lim} rounded up to whole vectors:
     * the scores past {@code lim} in the last vector are set to {@code -inf}, so that the max and
     * the exp run over whole vectors only, with no scalar tail, and come out as the zeros the P V
     * step skips. {@code blockMax}, when not NaN, is the row's maximum over the block, which then
     * holds {@code -inf} past {@code lim = n} already.
     */
    static void update(float[] s, int off, int lim, int n, float[] max, float[] sum, float[] alpha, int r,
            float blockMax, float[] lanes) {
        int padded = (lim + L - 1) / L * L;
        if (Float.isNaN(blockMax)) {
            for (int c = lim; c < padded; c++) {
                s[off + c] = Float.NEGATIVE_INFINITY;
            }
            // the row's maximum, NaN skipped (it reaches the result through the exp instead): compare and
            // blend, two accumulators to cover its latency. Written here, not in a helper: a helper first
            // compiled by C1 may never be inlined by C2, and C1 code boxes every vector
            // (docs/performance-notes.md, "No vector helper inside the online softmax")
            FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0;
            int c = 0;
            for (; c + 2 * L <= padded; c += 2 * L) {
                FloatVector x0 = fromArray(S, s, off + c), x1 = fromArray(S, s, off + c + L);
                m0 = m0.blend(x0, m0.compare(VectorOperators.LT, x0));
                m1 = m1.blend(x1, m1.compare(VectorOperators.LT, x1));
            }
            for (; c < padded; c += L) {
                FloatVector x = fromArray(S, s, off + c);
                m0 = m0.blend(x, m0.compare(VectorOperators.LT, x));
            }
            blockMax = m0.blend(m1, m0.compare(VectorOperators.LT, m1)).reduceLanes(VectorOperators.MAX);
        }
        float old = max[r], m = Math.max(old, blockMax);
        if (m == Float.NEGATIVE_INFINITY) {
            fill(s, off, 0, n);
            alpha[r] = 1f;
            return;
        }
        // p = exp(s - m') over whole vectors (0 for masked and padding -inf), written over s
        FloatVector acc = FloatVector.zero(S);
        for (int c = 0; c < padded; c += L) {
            FloatVector e = VectorMath.expNonPositive(fromArray(S, s, off + c).sub(m));
            e.intoArray(s, off + c);
            acc = e.add(acc);
        }
        acc.intoArray(lanes, 0);
        float blockSum = 0f;
        for (int i = 0; i < L; i++) {
            blockSum += lanes[i];
        }
        fill(s, off, padded, n);
        // exp(0) = 1: no call while the maximum stands
        float a = old == m ? 1f : old == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(old - m);
        sum[r] = a * sum[r] + blockSum;
        max[r] = m;
        alpha[r] = a;
    }

    private static void fill(float[] s, int off, int from, int to) {
        for (int c = from; c < to; c++) {
            s[off + c] = 0f;
        }
    }
}
