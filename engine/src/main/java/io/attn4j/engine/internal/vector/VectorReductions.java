package io.attn4j.engine.internal.vector;

import static io.attn4j.engine.internal.vector.VectorAccess.load;

import io.attn4j.engine.kernel.Kernels;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The level-1 reductions of {@link VectorKernels}: dot, sum, max, argmax over contiguous floats.
 * Arguments are checked by the caller; offsets are in elements.
 *
 * <p>Each loop keeps {@link #ACCUMULATORS} independent vector accumulators and reduces lanes once,
 * after the loop: a reordered sum, within the {@code n * eps * sum|terms|} bound of {@link Kernels}.
 */
final class VectorReductions {
    /**
     * Independent accumulator chains: FMA latency times FMAs per cycle. An FMA (or add) has 4
     * cycles of latency on Zen 4 and on Intel since Skylake. dot needs two loads per FMA: Intel
     * loads two vectors per cycle, so one FMA per cycle, 4 x 1 = 4 chains; Zen 4 loads one 512-bit
     * vector per cycle, so one FMA per two cycles and 2 chains would do; more chains only lengthen
     * the tail ({@code docs/performance-notes.md}).
     */
    static final int ACCUMULATORS = 4;

    private VectorReductions() {
    }

    static float dot(int n, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        long xb = xOff * Float.BYTES, yb = yOff * Float.BYTES;
        int step = Simd.LANES, block = ACCUMULATORS * step;
        long v = Simd.SPECIES.vectorByteSize(); // see VectorAccess: bases one vector apart, all indexed by i
        FloatVector acc0 = FloatVector.zero(Simd.SPECIES), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (int bound = n - n % block; i < bound; i += block) {
            acc0 = load(x, xb, i).fma(load(y, yb, i), acc0);
            acc1 = load(x, xb + v, i).fma(load(y, yb + v, i), acc1);
            acc2 = load(x, xb + 2 * v, i).fma(load(y, yb + 2 * v, i), acc2);
            acc3 = load(x, xb + 3 * v, i).fma(load(y, yb + 3 * v, i), acc3);
        }
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += step) {
            acc0 = load(x, xb, i).fma(load(y, yb, i), acc0);
        }
        float s = LaneSum.of(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            s = Math.fma(VectorAccess.get(x, xOff + i), VectorAccess.get(y, yOff + i), s);
        }
        return s;
    }

    static float sum(int n, MemorySegment x, long xOff) {
        long xb = xOff * Float.BYTES;
        int step = Simd.LANES, block = ACCUMULATORS * step;
        long v = Simd.SPECIES.vectorByteSize(); // see VectorAccess: bases one vector apart, all indexed by i
        FloatVector acc0 = FloatVector.zero(Simd.SPECIES), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (int bound = n - n % block; i < bound; i += block) {
            acc0 = load(x, xb, i).add(acc0);
            acc1 = load(x, xb + v, i).add(acc1);
            acc2 = load(x, xb + 2 * v, i).add(acc2);
            acc3 = load(x, xb + 3 * v, i).add(acc3);
        }
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += step) {
            acc0 = load(x, xb, i).add(acc0);
        }
        float s = LaneSum.of(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            s += VectorAccess.get(x, xOff + i);
        }
        return s;
    }

    /**
     * Lane-wise {@code MAX} has {@link Math#max} semantics (NaN wins, {@code +0 > -0}), which is
     * associative and commutative, so any order gives the reference's exact result.
     */
    static float max(int n, MemorySegment x, long xOff) {
        long xb = xOff * Float.BYTES;
        int step = Simd.LANES, block = ACCUMULATORS * step;
        long v = Simd.SPECIES.vectorByteSize(); // see VectorAccess: bases one vector apart, all indexed by i
        FloatVector acc0 = FloatVector.broadcast(Simd.SPECIES, Float.NEGATIVE_INFINITY), acc1 = acc0, acc2 = acc0,
                acc3 = acc0;
        int i = 0;
        for (int bound = n - n % block; i < bound; i += block) {
            acc0 = load(x, xb, i).max(acc0);
            acc1 = load(x, xb + v, i).max(acc1);
            acc2 = load(x, xb + 2 * v, i).max(acc2);
            acc3 = load(x, xb + 3 * v, i).max(acc3);
        }
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += step) {
            acc0 = load(x, xb, i).max(acc0);
        }
        float m = acc0.max(acc1).max(acc2.max(acc3)).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, VectorAccess.get(x, xOff + i));
        }
        return m;
    }

    /**
     * Two passes: the maximum, then the first index holding it (compared with {@code ==}, so
     * {@code -0} matches a maximum of {@code +0}, as the reference's {@code >} scan does), or the
     * first NaN when the maximum is NaN.
     */
    static int argmax(int n, MemorySegment x, long xOff) {
        if (n == 0) {
            return -1;
        }
        float m = max(n, x, xOff);
        boolean nan = Float.isNaN(m);
        long xb = xOff * Float.BYTES;
        int i = 0;
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += Simd.LANES) {
            FloatVector v = load(x, xb, i);
            int lane = (nan ? v.compare(VectorOperators.NE, v) : v.compare(VectorOperators.EQ, m)).firstTrue();
            if (lane < Simd.LANES) {
                return i + lane;
            }
        }
        for (; i < n; i++) {
            float v = VectorAccess.get(x, xOff + i);
            if (nan ? Float.isNaN(v) : v == m) {
                return i;
            }
        }
        throw new AssertionError("maximum " + m + " not found in its own vector");
    }
}
