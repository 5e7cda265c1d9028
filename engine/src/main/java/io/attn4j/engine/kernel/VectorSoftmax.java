package io.attn4j.engine.kernel;

import static io.attn4j.engine.kernel.VectorAccess.load;
import static io.attn4j.engine.kernel.VectorAccess.nonZeroBytes;
import static io.attn4j.engine.kernel.VectorAccess.store;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row-wise softmax and log-sum-exp for {@link VectorKernels}, in three passes over each row:
 * <ol>
 *   <li>{@code z[c] = scale * x[c] + additive[c]}, or {@code -inf} where excluded, stored into
 *       the output row, and {@code m = max z};</li>
 *   <li>{@code e[c] = exp(z[c] - m)} over the output row, and {@code s = sum e};</li>
 *   <li>{@code out[c] = e[c] * (1 / s)}.</li>
 * </ol>
 * The operations and their rounding are the reference's ({@link ScalarKernels#softmaxRows}); only
 * the summation order and the exp ({@link VectorMath#exp}) differ. Since {@code z - m <= 0}, no
 * exp overflows, and the largest term is {@code exp(0) = 1}, so {@code s >= 1}. Arguments are
 * checked by the caller.
 */
final class VectorSoftmax {
    private VectorSoftmax() {
    }

    static void softmaxRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx,
                            SoftmaxMask mask, MemorySegment out, long outOff, long ldo) {
        for (int r = 0; r < rows; r++) {
            long oRow = outOff + r * ldo;
            float max = scores(r, cols, scale, x, xOff + r * ldx, mask, out, oRow);
            if (max == Float.NEGATIVE_INFINITY) {
                // Every kept z is -inf: the row is zeros, unless a NaN score (which the max
                // skipped) makes it NaN, as in the reference, where max itself is NaN.
                fill(cols, hasNaN(cols, out, oRow) ? Float.NaN : 0f, out, oRow);
                continue;
            }
            float sum = expMinusMax(cols, max, out, oRow, true);
            VectorElementwise.scale(cols, 1f / sum, out, oRow);
        }
    }

    /**
     * Pass 1: z into {@code out}, and the largest z that is not NaN ({@code -inf} if none).
     *
     * <p>The maximum is a compare-and-blend, two instructions, where a NaN-propagating lane-wise
     * {@code MAX} costs about six on x86. A NaN z needs no help: it turns its {@code exp}, the
     * sum and so the whole row NaN in pass 2, as in the reference. Four accumulators, as in
     * {@link VectorReductions}: the compare-blend chain has a latency of about four cycles and
     * the rest of the loop body issues in about one.
     */
    private static float scores(int r, int cols, float scale, MemorySegment x, long xOff, SoftmaxMask mask,
                                MemorySegment out, long outOff) {
        MemorySegment add = mask == null ? null : mask.additive();
        MemorySegment ex = mask == null ? null : mask.excluded();
        long xb = xOff * Float.BYTES, ob = outOff * Float.BYTES;
        long ab = add == null ? 0 : (mask.addOffset() + r * mask.addLd()) * Float.BYTES;
        long exOff = ex == null ? 0 : mask.exOffset() + r * mask.exLd();
        int step = Simd.LANES, block = VectorReductions.ACCUMULATORS * step;
        // A byte mask is read MASK_BYTES lanes at a time, which may exceed LANES; stay inside the row.
        int span = ex == null ? step : Math.max(step, Simd.MASK_BYTES.length());
        FloatVector m0 = FloatVector.broadcast(Simd.F, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
        int c = 0;
        for (; c + block - step + span <= cols; c += block) {
            FloatVector z0 = score(scale, x, xb, add, ab, ex, exOff, c);
            FloatVector z1 = score(scale, x, xb, add, ab, ex, exOff, c + step);
            FloatVector z2 = score(scale, x, xb, add, ab, ex, exOff, c + 2 * step);
            FloatVector z3 = score(scale, x, xb, add, ab, ex, exOff, c + 3 * step);
            store(z0, out, ob, c);
            store(z1, out, ob, c + step);
            store(z2, out, ob, c + 2 * step);
            store(z3, out, ob, c + 3 * step);
            m0 = m0.blend(z0, m0.compare(VectorOperators.LT, z0));
            m1 = m1.blend(z1, m1.compare(VectorOperators.LT, z1));
            m2 = m2.blend(z2, m2.compare(VectorOperators.LT, z2));
            m3 = m3.blend(z3, m3.compare(VectorOperators.LT, z3));
        }
        for (; c + span <= cols; c += step) {
            FloatVector z = score(scale, x, xb, add, ab, ex, exOff, c);
            store(z, out, ob, c);
            m0 = m0.blend(z, m0.compare(VectorOperators.LT, z));
        }
        m0 = m0.blend(m1, m0.compare(VectorOperators.LT, m1));
        m2 = m2.blend(m3, m2.compare(VectorOperators.LT, m3));
        float max = m0.blend(m2, m0.compare(VectorOperators.LT, m2)).reduceLanes(VectorOperators.MAX);
        for (; c < cols; c++) {
            float z = ScalarKernels.maskedScore(mask, r, c, scale * ScalarKernels.get(x, xOff + c));
            ScalarKernels.set(out, outOff + c, z);
            max = z > max ? z : max;
        }
        return max;
    }

    /** z at columns {@code [c, c + LANES)}: the operations of {@link ScalarKernels#maskedScore}. */
    private static FloatVector score(float scale, MemorySegment x, long xb, MemorySegment add, long ab,
                                     MemorySegment ex, long exOff, int c) {
        FloatVector z = load(x, xb, c).mul(scale);
        if (add != null) {
            z = z.add(load(add, ab, c));
        }
        if (ex != null) {
            z = z.blend(Float.NEGATIVE_INFINITY, nonZeroBytes(ex, exOff, c));
        }
        return z;
    }

    /**
     * Pass 2: {@code sum_c exp(v[c] - max)} over {@code n} floats of {@code v}, each term written
     * back over {@code v[c]} when {@code store}. One accumulator: each vector's exp is some twenty
     * independent instructions, under which the four-cycle add chain hides.
     */
    private static float expMinusMax(int n, float max, MemorySegment v, long vOff, boolean store) {
        long vb = vOff * Float.BYTES;
        FloatVector m = FloatVector.broadcast(Simd.F, max), acc = FloatVector.zero(Simd.F);
        int c = 0;
        for (int bound = Simd.F.loopBound(n); c < bound; c += Simd.LANES) {
            FloatVector e = VectorMath.exp(load(v, vb, c).sub(m));
            if (store) {
                store(e, v, vb, c);
            }
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; c < n; c++) {
            float e = (float) Math.exp(ScalarKernels.get(v, vOff + c) - max);
            if (store) {
                ScalarKernels.set(v, vOff + c, e);
            }
            sum += e;
        }
        return sum;
    }

    private static boolean hasNaN(int n, MemorySegment v, long vOff) {
        long vb = vOff * Float.BYTES;
        int c = 0;
        for (int bound = Simd.F.loopBound(n); c < bound; c += Simd.LANES) {
            if (load(v, vb, c).test(VectorOperators.IS_NAN).anyTrue()) {
                return true;
            }
        }
        for (; c < n; c++) {
            if (Float.isNaN(ScalarKernels.get(v, vOff + c))) {
                return true;
            }
        }
        return false;
    }

    private static void fill(int n, float value, MemorySegment v, long vOff) {
        long vb = vOff * Float.BYTES;
        FloatVector f = FloatVector.broadcast(Simd.F, value);
        int c = 0;
        for (int bound = Simd.F.loopBound(n); c < bound; c += Simd.LANES) {
            store(f, v, vb, c);
        }
        for (; c < n; c++) {
            ScalarKernels.set(v, vOff + c, value);
        }
    }

    /**
     * {@code m + log(sum exp(x - m))}, {@code m = max x}, as the reference: the special cases
     * (NaN, infinite or empty) return {@code m} itself.
     */
    static float logSumExp(int n, MemorySegment x, long xOff) {
        float max = VectorReductions.max(n, x, xOff);
        if (Float.isNaN(max) || Float.isInfinite(max)) {
            return max;
        }
        return max + (float) Math.log(expMinusMax(n, max, x, xOff, false));
    }
}
