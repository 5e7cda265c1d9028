package io.attn4j.engine.internal.vector;

import static io.attn4j.engine.internal.vector.VectorAccess.ORDER;
import static io.attn4j.engine.internal.vector.VectorAccess.load;
import static io.attn4j.engine.internal.vector.VectorAccess.nonZeroBytes;

import io.attn4j.engine.internal.scalar.ScalarKernels;
import io.attn4j.engine.kernel.SoftmaxMask;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row-wise softmax and log-sum-exp for {@link VectorKernels}.
 *
 * <p>Without a mask and with {@code scale > 0}, rows are pipelined ({@link #pipelinedRows}): after
 * the first row's maximum, one pass per row computes {@code e[c] = exp(scale * x[c] - m)} into the
 * output row and their sum, reads the next row for its maximum, and multiplies the previous output
 * row by its {@code 1 / sum}; so the next row streams in from memory while this one's exps are
 * computed, and each row is read from memory once and written once.
 *
 * <p>Otherwise, three passes per row:
 * <ol>
 *   <li>{@code z[c] = scale * x[c]}, then {@code + additive[c]}, then {@code -inf} where
 *       excluded; {@code m = max z}. With a mask, z goes to the output row, one pass per mask
 *       part; without one, z is not stored: pass 2 recomputes {@code scale * x[c]}, which costs
 *       less than a store and a reload;</li>
 *   <li>{@code e[c] = exp(z[c] - m)} into the output row, and {@code s = sum e};</li>
 *   <li>{@code out[c] = e[c] * (1 / s)}.</li>
 * </ol>
 * The operations and their rounding are the reference's ({@link ScalarKernels#softmaxRows}); only
 * the summation order and the exp ({@link VectorMath#expNonPositive}, which flushes terms below
 * 2^-126 to zero) differ. Since {@code z - m <= 0}, no exp overflows, and the largest term is
 * {@code exp(0) = 1}, so {@code s >= 1}.
 *
 * <p>Each mask part is its own pass rather than a branch in one loop: C2 then compiles every
 * loop as a plain counted loop without per-access range checks ({@code docs/performance-notes.md}).
 * Arguments are checked by the caller.
 */
final class VectorSoftmax {
    private VectorSoftmax() {
    }

    static void softmaxRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx,
            SoftmaxMask mask, MemorySegment out, long outOff, long ldo) {
        if (mask == null && scale > 0f) {
            pipelinedRows(rows, cols, scale, x, xOff, ldx, out, outOff, ldo);
            return;
        }
        for (int r = 0; r < rows; r++) {
            long xRow = xOff + r * ldx, oRow = outOff + r * ldo;
            // pass 2 reads z as s * src[c]: x and the scale without a mask, as z = scale * x is
            // cheaper to recompute than to store and reload; else the z that pass 1 stored in out
            // (times 1, which is exact)
            MemorySegment src = x;
            long srcOff = xRow;
            float s = scale, max;
            if (mask == null) {
                max = scaledMax(cols, scale, x, xRow);
            } else {
                VectorElementwise.scaleInto(cols, scale, x, xRow, out, oRow);
                if (mask.additive() != null) {
                    VectorElementwise.add(cols, out, oRow, mask.additive(), mask.addOffset() + r * mask.addLd(), out,
                            oRow);
                }
                if (mask.excluded() != null) {
                    exclude(cols, mask.excluded(), mask.exOffset() + r * mask.exLd(), out, oRow);
                }
                max = VectorReductions.max(cols, out, oRow);
                src = out;
                srcOff = oRow;
                s = 1f;
            }
            if (max == Float.NEGATIVE_INFINITY) { // every key excluded: the project's rule is zeros
                fill(cols, 0f, out, oRow);
                continue;
            }
            float sum = expMinusMax(cols, s, max, src, srcOff, out, oRow);
            VectorElementwise.scale(cols, 1f / sum, out, oRow);
        }
    }

    /**
     * Rows without a mask, {@code scale > 0}. A row's maximum is {@code scale * max x}, which is
     * {@code max z} as rounding is monotonic; the next row's {@code max x} skips NaN (a NaN reaches
     * its row through the exps), so a row whose maximum is {@code -inf} is looked at again with
     * {@link Math#max} semantics before it is zeroed.
     */
    private static void pipelinedRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx,
            MemorySegment out, long outOff, long ldo) {
        // scale * x - m in one FMA rounds as the two operations do when scale * x is exact
        boolean exact = scale <= 1f && (Float.floatToRawIntBits(scale) & 0x7FFFFF) == 0
                && Math.getExponent(scale) >= Float.MIN_EXPONENT;
        float xMax = maxSkippingNaN(cols, x, xOff);
        // the output row waiting for its 1 / sum; the first row stands in for itself with factor 1, its
        // exps written over the product
        long previous = outOff;
        float inverse = 1f;
        for (int r = 0; r < rows; r++) {
            long xRow = xOff + r * ldx, oRow = outOff + r * ldo;
            long next = r + 1 < rows ? xRow + ldx : xRow;
            float m = scale * xMax;
            if (m == Float.NEGATIVE_INFINITY) {
                m = scaledMax(cols, scale, x, xRow);
            }
            if (m == Float.NEGATIVE_INFINITY) { // every z is -inf: the project's rule is zeros
                fill(cols, 0f, out, oRow);
                xMax = maxSkippingNaN(cols, x, next);
                continue;
            }
            long sumAndMax = expRow(cols, scale, exact, m, x, xRow, out, oRow, next, inverse, previous);
            inverse = 1f / Float.intBitsToFloat((int) sumAndMax);
            xMax = Float.intBitsToFloat((int) (sumAndMax >>> 32));
            previous = oRow;
        }
        VectorElementwise.scale(cols, inverse, out, previous);
    }

    /**
     * One pipelined pass: {@code out[oRow + c] = exp(s * x[xRow + c] - m)}, {@code out[prevRow + c] *=
     * prevInverse}, and the maximum of {@code x[nextRow + c]} skipping NaN. Returns the exps' sum in the
     * low 32 bits and that maximum in the high 32. The exps' sum runs in the order of
     * {@link #expMinusMax}.
     */
    private static long expRow(int n, float s, boolean exact, float m, MemorySegment x, long xRow,
            MemorySegment out, long oRow, long nextRow, float prevInverse, long prevRow) {
        long xb = xRow * Float.BYTES, ob = oRow * Float.BYTES, nb = nextRow * Float.BYTES, pb = prevRow * Float.BYTES;
        FloatVector acc = FloatVector.zero(Simd.SPECIES),
                mx = FloatVector.broadcast(Simd.SPECIES, Float.NEGATIVE_INFINITY);
        int c = 0;
        for (int bound = Simd.SPECIES.loopBound(n); c < bound; c += Simd.LANES) {
            long at = (long) c * Float.BYTES;
            FloatVector z = load(x, xb, c);
            FloatVector e = VectorMath.expNonPositive(exact ? z.fma(s, -m) : z.mul(s).sub(m));
            FloatVector y = load(x, nb, c);
            mx = y.blend(mx, y.compare(VectorOperators.LE, mx));
            load(out, pb, c).mul(prevInverse).intoMemorySegment(out, pb + at, ORDER);
            e.intoMemorySegment(out, ob + at, ORDER);
            acc = e.add(acc);
        }
        float sum = LaneSum.of(acc), next = mx.reduceLanes(VectorOperators.MAX);
        for (; c < n; c++) {
            float e = (float) Math.exp(s * VectorAccess.get(x, xRow + c) - m);
            float y = VectorAccess.get(x, nextRow + c);
            next = y > next ? y : next;
            VectorAccess.set(out, prevRow + c, VectorAccess.get(out, prevRow + c) * prevInverse);
            VectorAccess.set(out, oRow + c, e);
            sum += e;
        }
        return Float.floatToRawIntBits(sum) & 0xFFFFFFFFL | (long) Float.floatToRawIntBits(next) << 32;
    }

    /** {@code max x} skipping NaN, compare and blend (no {@link Math#max} semantics to emulate); {@code -inf} for none. */
    private static float maxSkippingNaN(int n, MemorySegment x, long xOff) {
        long xb = xOff * Float.BYTES, v = Simd.SPECIES.vectorByteSize();
        FloatVector m0 = FloatVector.broadcast(Simd.SPECIES, Float.NEGATIVE_INFINITY), m1 = m0;
        int c = 0;
        for (int bound = n - n % (2 * Simd.LANES); c < bound; c += 2 * Simd.LANES) {
            FloatVector y0 = load(x, xb, c), y1 = load(x, xb + v, c);
            m0 = y0.blend(m0, y0.compare(VectorOperators.LE, m0));
            m1 = y1.blend(m1, y1.compare(VectorOperators.LE, m1));
        }
        for (int bound = Simd.SPECIES.loopBound(n); c < bound; c += Simd.LANES) {
            FloatVector y0 = load(x, xb, c);
            m0 = y0.blend(m0, y0.compare(VectorOperators.LE, m0));
        }
        float max = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; c < n; c++) {
            float y = VectorAccess.get(x, xOff + c);
            max = y > max ? y : max;
        }
        return max;
    }

    /**
     * Pass 1 without a mask: {@code max z}, {@code z = scale * x}, with {@link Math#max}
     * semantics (a NaN z makes m, and so every exp, the sum and the row NaN, as in the
     * reference). Four accumulators, as in {@link VectorReductions}: a lane-wise {@code MAX} is a
     * chain of several dependent instructions on x86, longer than the rest of the loop body.
     * (A compare-and-blend maximum, which skips NaN, was no faster, and its accumulator used
     * twice per step once kept C2 from intrinsifying the blend, boxing every vector.)
     */
    private static float scaledMax(int n, float scale, MemorySegment x, long xOff) {
        long xb = xOff * Float.BYTES;
        int step = Simd.LANES, block = VectorReductions.ACCUMULATORS * step;
        long v = Simd.SPECIES.vectorByteSize(); // see VectorAccess: bases one vector apart, all indexed by c
        FloatVector m0 = FloatVector.broadcast(Simd.SPECIES, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
        int c = 0;
        for (int bound = n - n % block; c < bound; c += block) {
            m0 = load(x, xb, c).mul(scale).max(m0);
            m1 = load(x, xb + v, c).mul(scale).max(m1);
            m2 = load(x, xb + 2 * v, c).mul(scale).max(m2);
            m3 = load(x, xb + 3 * v, c).mul(scale).max(m3);
        }
        for (int bound = Simd.SPECIES.loopBound(n); c < bound; c += step) {
            m0 = load(x, xb, c).mul(scale).max(m0);
        }
        float max = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
        for (; c < n; c++) {
            max = Math.max(max, scale * VectorAccess.get(x, xOff + c));
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
            load(z, zb, c).blend(Float.NEGATIVE_INFINITY, nonZeroBytes(ex, exOff, c)).intoMemorySegment(z,
                    zb + (long) c * Float.BYTES, ORDER);
        }
        for (; c < n; c++) {
            if (ex.get(ValueLayout.JAVA_BYTE, exOff + c) != 0) {
                VectorAccess.set(z, zOff + c, Float.NEGATIVE_INFINITY);
            }
        }
    }

    /**
     * Pass 2: {@code sum_c exp(s * src[c] - max)} over {@code n} columns, each term written to
     * {@code dst[c]} unless {@code dst} is null; {@code dst} may be {@code src}. One accumulator:
     * each vector's exp is some fifteen independent instructions, under which the add chain hides.
     */
    private static float expMinusMax(int n, float s, float max, MemorySegment src, long srcOff,
            MemorySegment dst, long dstOff) {
        long sb = srcOff * Float.BYTES, db = dstOff * Float.BYTES;
        FloatVector m = FloatVector.broadcast(Simd.SPECIES, max), acc = FloatVector.zero(Simd.SPECIES);
        int c = 0;
        for (int bound = Simd.SPECIES.loopBound(n); c < bound; c += Simd.LANES) {
            FloatVector e = VectorMath.expNonPositive(load(src, sb, c).mul(s).sub(m));
            if (dst != null) {
                e.intoMemorySegment(dst, db + (long) c * Float.BYTES, ORDER);
            }
            acc = e.add(acc);
        }
        float sum = LaneSum.of(acc);
        for (; c < n; c++) {
            float e = (float) Math.exp(s * VectorAccess.get(src, srcOff + c) - max);
            if (dst != null) {
                VectorAccess.set(dst, dstOff + c, e);
            }
            sum += e;
        }
        return sum;
    }

    private static void fill(int n, float value, MemorySegment v, long vOff) {
        long vb = vOff * Float.BYTES;
        FloatVector f = FloatVector.broadcast(Simd.SPECIES, value);
        int c = 0;
        for (int bound = Simd.SPECIES.loopBound(n); c < bound; c += Simd.LANES) {
            f.intoMemorySegment(v, vb + (long) c * Float.BYTES, ORDER);
        }
        for (; c < n; c++) {
            VectorAccess.set(v, vOff + c, value);
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
        return max + (float) Math.log(expMinusMax(n, 1f, max, x, xOff, null, 0));
    }
}
