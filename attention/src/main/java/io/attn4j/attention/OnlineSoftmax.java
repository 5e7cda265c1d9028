package io.attn4j.attention;

import static jdk.incubator.vector.FloatVector.fromMemorySegment;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Simd;
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
 * <p>Error: each {@code p} within the exp bound ({@link Kernels#exp}) plus one rounding of the
 * subtraction, which weighs {@code eps (m' - s)} in the exponent; each rescale adds a rounding to
 * {@code l} and to the accumulator alike. The sum carries {@code n * eps} relative.
 *
 * <p>Vectors never cross a method boundary (a vector passed to or returned from a call the JIT
 * does not inline is boxed on the heap).
 */
final class OnlineSoftmax {
    private static final VectorSpecies<Float> S = Simd.F;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private OnlineSoftmax() {
    }

    /**
     * Updates row {@code r}'s state ({@code max[r]}, {@code sum[r]}, and {@code alpha[r]} for the
     * P V step) with the scores {@code s[off, off + lim)}, and turns {@code s[off, off + n)} into
     * probabilities in place.
     */
    static void update(Kernels kernels, MemorySegment s, long off, int lim, int n, float[] max, float[] sum,
                       float[] alpha, int r, float[] lanes) {
        long base = off * Float.BYTES;
        float m = Math.max(max[r], rowMax(s, base, lim));
        if (m == Float.NEGATIVE_INFINITY) {
            fill(s, base, 0, n, 0f);
            alpha[r] = 1f;
            return;
        }
        // s - m' over [0, lim), zeros over [lim, n), then exp in place (the kernels' vector exp)
        FloatVector mv = FloatVector.broadcast(S, m);
        int c = 0;
        for (int bound = S.loopBound(lim); c < bound; c += Simd.LANES) {
            long at = base + (long) c * Float.BYTES;
            fromMemorySegment(S, s, at, ORDER).sub(mv).intoMemorySegment(s, at, ORDER);
        }
        for (; c < lim; c++) {
            s.setAtIndex(F, off + c, s.getAtIndex(F, off + c) - m);
        }
        fill(s, base, lim, n, 0f);
        kernels.exp(lim, s, off, s, off);
        float blockSum = rowSum(s, base, lim, lanes);
        float a = max[r] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(max[r] - m);
        sum[r] = a * sum[r] + blockSum;
        max[r] = m;
        alpha[r] = a;
    }

    /**
     * Largest of {@code n} floats, {@code -inf} for none; NaN is skipped (it reaches the result
     * through the exp instead). Compare-and-blend, two accumulators to cover its latency.
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
        for (int bound = S.loopBound(n); c < bound; c += Simd.LANES) {
            FloatVector x = fromMemorySegment(S, s, base + (long) c * Float.BYTES, ORDER);
            m0 = m0.blend(x, m0.compare(VectorOperators.LT, x));
        }
        float m = m0.blend(m1, m0.compare(VectorOperators.LT, m1)).reduceLanes(VectorOperators.MAX);
        for (; c < n; c++) {
            float x = s.get(F, base + (long) c * Float.BYTES);
            m = x > m ? x : m;
        }
        return m;
    }

    /**
     * Sum of {@code n} floats: one vector accumulator, its lanes then added in lane order through
     * {@code lanes} (LANES floats of scratch). Not {@code reduceLanes(ADD)}: its order differs
     * between interpreted and compiled code, and the result must not depend on which ran.
     */
    private static float rowSum(MemorySegment s, long base, int n, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        int c = 0;
        for (int bound = S.loopBound(n); c < bound; c += Simd.LANES) {
            acc = acc.add(fromMemorySegment(S, s, base + (long) c * Float.BYTES, ORDER));
        }
        acc.intoArray(lanes, 0);
        float total = 0f;
        for (int i = 0; i < Simd.LANES; i++) {
            total += lanes[i];
        }
        for (; c < n; c++) {
            total += s.get(F, base + (long) c * Float.BYTES);
        }
        return total;
    }

    private static void fill(MemorySegment s, long base, int from, int to, float value) {
        for (int c = from; c < to; c++) {
            s.set(F, base + (long) c * Float.BYTES, value);
        }
    }
}
