package io.attn4j.engine.internal.vector;

import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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
 * difference, whose rounding weighs {@code eps (m' - s)} in the exponent; each rescale adds a
 * rounding to {@code l} and to the accumulator alike. The sum carries {@code n * eps} relative.
 *
 * <p>The exp runs in the same pass as the sum ({@link VectorMath#exp}); the sum's lanes are added
 * in lane order, not by {@code reduceLanes(ADD)}, whose order differs between interpreted and
 * compiled code. No vector crosses a method boundary but into {@code VectorMath.exp}, a single
 * body the JIT inlines (a vector passed to a call that is not inlined is boxed on the heap).
 */
final class VectorOnlineSoftmax {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorOnlineSoftmax() {
    }

    /**
     * Updates row {@code r}'s state ({@code max[r]}, {@code sum[r]}, and {@code alpha[r]} for the
     * P V step) with the scores {@code s[off, off + lim)}, and turns {@code s[off, off + n)} into
     * probabilities in place. The row must have room for {@code lim} rounded up to whole vectors
     * (a tile row's stride is a multiple of the vector length): the scores past {@code lim} in the
     * last vector are set to {@code -inf}, so that the max and the exp run over whole vectors
     * only, with no scalar tail (whose {@code Math.exp} calls took a third of this update at
     * T = 100), and come out as the zeros the P V step skips.
     */
    static void update(MemorySegment s, long off, int lim, int n, float[] max, float[] sum, float[] alpha, int r,
            float[] lanes) {
        long base = off * Float.BYTES;
        int padded = (lim + Simd.LANES - 1) / Simd.LANES * Simd.LANES;
        fill(s, base, lim, padded, Float.NEGATIVE_INFINITY);
        float m = Math.max(max[r], rowMax(s, base, padded));
        if (m == Float.NEGATIVE_INFINITY) {
            fill(s, base, 0, n, 0f);
            alpha[r] = 1f;
            return;
        }
        // p = exp(s - m') over whole vectors (0 for masked and padding -inf), written over s and
        // summed (lanes added in lane order); zeros over the rest of [0, n)
        FloatVector mv = FloatVector.broadcast(S, m), acc = FloatVector.zero(S);
        for (int c = 0; c < padded; c += Simd.LANES) {
            long at = base + (long) c * Float.BYTES;
            FloatVector e = VectorMath.exp(fromMemorySegment(S, s, at, ORDER).sub(mv));
            e.intoMemorySegment(s, at, ORDER);
            acc = acc.add(e);
        }
        acc.intoArray(lanes, 0);
        float blockSum = 0f;
        for (int i = 0; i < Simd.LANES; i++) {
            blockSum += lanes[i];
        }
        fill(s, base, padded, n, 0f);
        float a = max[r] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(max[r] - m);
        sum[r] = a * sum[r] + blockSum;
        max[r] = m;
        alpha[r] = a;
    }

    /**
     * Largest of {@code n} floats, {@code n} a multiple of the vector length; {@code -inf} for
     * none. NaN is skipped (it reaches the result through the exp instead). Compare-and-blend, two
     * accumulators to cover its latency.
     */
    private static float rowMax(MemorySegment s, long base, int n) {
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0;
        int c = 0;
        for (int bound = n - 2 * Simd.LANES; c <= bound; c += 2 * Simd.LANES) {
            long at = base + (long) c * Float.BYTES;
            FloatVector x0 = fromMemorySegment(S, s, at, ORDER);
            FloatVector x1 = fromMemorySegment(S, s, at + (long) Simd.LANES * Float.BYTES, ORDER);
            m0 = m0.blend(x0, m0.compare(VectorOperators.LT, x0));
            m1 = m1.blend(x1, m1.compare(VectorOperators.LT, x1));
        }
        for (; c < n; c += Simd.LANES) {
            FloatVector x = fromMemorySegment(S, s, base + (long) c * Float.BYTES, ORDER);
            m0 = m0.blend(x, m0.compare(VectorOperators.LT, x));
        }
        return m0.blend(m1, m0.compare(VectorOperators.LT, m1)).reduceLanes(VectorOperators.MAX);
    }

    private static void fill(MemorySegment s, long base, int from, int to, float value) {
        for (int c = from; c < to; c++) {
            s.set(FLOAT, base + (long) c * Float.BYTES, value);
        }
    }
}
