package io.attn4j.engine.kernel;

import static io.attn4j.engine.kernel.VectorAccess.load;
import static io.attn4j.engine.kernel.VectorAccess.nonZeroBytes;
import static io.attn4j.engine.kernel.VectorAccess.store;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row-wise softmax and log-sum-exp for {@link VectorKernels}. Per row, over the output row
 * (which stays in L1 from the first pass on):
 * <ol>
 *   <li>{@code z[c] = scale * x[c]}, then {@code + additive[c]}, then {@code -inf} where excluded;
 *       {@code m = max z};</li>
 *   <li>{@code e[c] = exp(z[c] - m)} and {@code s = sum e};</li>
 *   <li>{@code out[c] = e[c] * (1 / s)}.</li>
 * </ol>
 * The operations and their rounding are the reference's ({@link ScalarKernels#softmaxRows}); only
 * the summation order and the exp ({@link VectorMath#exp}) differ. Since {@code z - m <= 0}, no
 * exp overflows, and the largest term is {@code exp(0) = 1}, so {@code s >= 1}.
 *
 * <p>Each mask part is its own pass rather than a branch in one loop: C2 then compiles every
 * loop as a plain counted loop without per-access range checks (pass 1 of a 2048-column row:
 * about 200 ns, against 480 ns for one loop that tested for the masks). Arguments are checked by
 * the caller.
 */
final class VectorSoftmax {
    private VectorSoftmax() {
    }

    static void softmaxRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx,
                            SoftmaxMask mask, MemorySegment out, long outOff, long ldo) {
        for (int r = 0; r < rows; r++) {
            long oRow = outOff + r * ldo;
            float max;
            if (mask == null) {
                max = scaleAndMax(cols, scale, x, xOff + r * ldx, out, oRow);
            } else {
                VectorElementwise.scaleInto(cols, scale, x, xOff + r * ldx, out, oRow);
                if (mask.additive() != null) {
                    VectorElementwise.add(cols, out, oRow, mask.additive(), mask.addOffset() + r * mask.addLd(), out, oRow);
                }
                if (mask.excluded() != null) {
                    exclude(cols, mask.excluded(), mask.exOffset() + r * mask.exLd(), out, oRow);
                }
                max = max(cols, out, oRow);
            }
            if (max == Float.NEGATIVE_INFINITY) { // every key excluded: the project's rule is zeros
                fill(cols, 0f, out, oRow);
                continue;
            }
            float sum = expMinusMax(cols, max, out, oRow, true);
            VectorElementwise.scale(cols, 1f / sum, out, oRow);
        }
    }

    /**
     * Pass 1 without a mask: {@code z = scale * x} into {@code out}, and {@code max z} with
     * {@link Math#max} semantics (NaN if any z is NaN; a NaN max then makes every exp, the sum
     * and so the whole row NaN, as in the reference). Four accumulators, as in
     * {@link VectorReductions}: a lane-wise {@code MAX} is a chain of several dependent
     * instructions on x86, longer than the rest of the loop body.
     */
    private static float scaleAndMax(int n, float scale, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        long xb = xOff * Float.BYTES, ob = outOff * Float.BYTES;
        int step = Simd.LANES, block = VectorReductions.ACCUMULATORS * step;
        FloatVector m0 = FloatVector.broadcast(Simd.F, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
        int c = 0;
        for (int bound = n - n % block; c < bound; c += block) {
            FloatVector z0 = load(x, xb, c).mul(scale), z1 = load(x, xb, c + step).mul(scale);
            FloatVector z2 = load(x, xb, c + 2 * step).mul(scale), z3 = load(x, xb, c + 3 * step).mul(scale);
            store(z0, out, ob, c);
            store(z1, out, ob, c + step);
            store(z2, out, ob, c + 2 * step);
            store(z3, out, ob, c + 3 * step);
            m0 = z0.max(m0);
            m1 = z1.max(m1);
            m2 = z2.max(m2);
            m3 = z3.max(m3);
        }
        for (int bound = Simd.F.loopBound(n); c < bound; c += step) {
            FloatVector z = load(x, xb, c).mul(scale);
            store(z, out, ob, c);
            m0 = z.max(m0);
        }
        float max = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
        for (; c < n; c++) {
            float z = scale * ScalarKernels.get(x, xOff + c);
            ScalarKernels.set(out, outOff + c, z);
            max = Math.max(max, z);
        }
        return max;
    }

    /** Pass 1 with a mask, last step: {@code max z}, as in {@link #scaleAndMax}. */
    private static float max(int n, MemorySegment z, long zOff) {
        long zb = zOff * Float.BYTES;
        int step = Simd.LANES, block = VectorReductions.ACCUMULATORS * step;
        FloatVector m0 = FloatVector.broadcast(Simd.F, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
        int c = 0;
        for (int bound = n - n % block; c < bound; c += block) {
            m0 = load(z, zb, c).max(m0);
            m1 = load(z, zb, c + step).max(m1);
            m2 = load(z, zb, c + 2 * step).max(m2);
            m3 = load(z, zb, c + 3 * step).max(m3);
        }
        for (int bound = Simd.F.loopBound(n); c < bound; c += step) {
            m0 = load(z, zb, c).max(m0);
        }
        float max = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
        for (; c < n; c++) {
            max = Math.max(max, ScalarKernels.get(z, zOff + c));
        }
        return max;
    }

    /**
     * Pass 1 with a mask, boolean part: {@code z[c] = -inf} where byte {@code ex[exOff + c]} is
     * non-zero. The bytes are read {@link Simd#MASK_BYTES} lanes at a time, which can be more
     * than {@link Simd#LANES}: the vector loop stops where the next read would leave the row.
     */
    private static void exclude(int n, MemorySegment ex, long exOff, MemorySegment z, long zOff) {
        long zb = zOff * Float.BYTES;
        int c = 0;
        for (int bound = n - Simd.MASK_BYTES.length() + 1; c < bound; c += Simd.LANES) {
            store(load(z, zb, c).blend(Float.NEGATIVE_INFINITY, nonZeroBytes(ex, exOff, c)), z, zb, c);
        }
        for (; c < n; c++) {
            if (ex.get(ValueLayout.JAVA_BYTE, exOff + c) != 0) {
                ScalarKernels.set(z, zOff + c, Float.NEGATIVE_INFINITY);
            }
        }
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
            acc = e.add(acc);
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
