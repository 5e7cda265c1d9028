package io.attn4j.engine.kernel;

import static io.attn4j.engine.kernel.VectorAccess.load;

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
     * Independent accumulator chains. An FMA or add has 4 cycles of latency here (Zen 4, and
     * Intel since Skylake is 4 too); dot needs two loads per FMA and two load ports allow one FMA
     * per cycle, so 4 cycles x 1 per cycle = 4 chains in flight keep the loop load-bound rather
     * than latency-bound. More chains only lengthen the path before the unrolled body starts.
     */
    static final int ACCUMULATORS = 4;

    private VectorReductions() {
    }

    static float dot(int n, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        long xb = xOff * Float.BYTES, yb = yOff * Float.BYTES;
        int step = Simd.LANES, block = ACCUMULATORS * step;
        FloatVector acc0 = FloatVector.zero(Simd.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (int bound = n - n % block; i < bound; i += block) {
            acc0 = load(x, xb, i).fma(load(y, yb, i), acc0);
            acc1 = load(x, xb, i + step).fma(load(y, yb, i + step), acc1);
            acc2 = load(x, xb, i + 2 * step).fma(load(y, yb, i + 2 * step), acc2);
            acc3 = load(x, xb, i + 3 * step).fma(load(y, yb, i + 3 * step), acc3);
        }
        for (int bound = Simd.F.loopBound(n); i < bound; i += step) {
            acc0 = load(x, xb, i).fma(load(y, yb, i), acc0);
        }
        float s = LaneSum.of(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            s = Math.fma(ScalarKernels.get(x, xOff + i), ScalarKernels.get(y, yOff + i), s);
        }
        return s;
    }

    static float sum(int n, MemorySegment x, long xOff) {
        long xb = xOff * Float.BYTES;
        int step = Simd.LANES, block = ACCUMULATORS * step;
        FloatVector acc0 = FloatVector.zero(Simd.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (int bound = n - n % block; i < bound; i += block) {
            acc0 = load(x, xb, i).add(acc0);
            acc1 = load(x, xb, i + step).add(acc1);
            acc2 = load(x, xb, i + 2 * step).add(acc2);
            acc3 = load(x, xb, i + 3 * step).add(acc3);
        }
        for (int bound = Simd.F.loopBound(n); i < bound; i += step) {
            acc0 = load(x, xb, i).add(acc0);
        }
        float s = LaneSum.of(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            s += ScalarKernels.get(x, xOff + i);
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
        FloatVector acc0 = FloatVector.broadcast(Simd.F, Float.NEGATIVE_INFINITY), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (int bound = n - n % block; i < bound; i += block) {
            acc0 = load(x, xb, i).max(acc0);
            acc1 = load(x, xb, i + step).max(acc1);
            acc2 = load(x, xb, i + 2 * step).max(acc2);
            acc3 = load(x, xb, i + 3 * step).max(acc3);
        }
        for (int bound = Simd.F.loopBound(n); i < bound; i += step) {
            acc0 = load(x, xb, i).max(acc0);
        }
        float m = acc0.max(acc1).max(acc2.max(acc3)).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, ScalarKernels.get(x, xOff + i));
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
        for (int bound = Simd.F.loopBound(n); i < bound; i += Simd.LANES) {
            FloatVector v = load(x, xb, i);
            int lane = (nan ? v.test(VectorOperators.IS_NAN) : v.compare(VectorOperators.EQ, m)).firstTrue();
            if (lane < Simd.LANES) {
                return i + lane;
            }
        }
        for (; i < n; i++) {
            float v = ScalarKernels.get(x, xOff + i);
            if (nan ? Float.isNaN(v) : v == m) {
                return i;
            }
        }
        throw new AssertionError("maximum " + m + " not found in its own vector");
    }
}
