package io.attn4j.bench.vector;

import io.attn4j.engine.internal.vector.Simd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** The loops behind the machine limits of a benchmark run, written directly on the Vector API. */
public final class MachineLimits {
    /** Independent FMA chains: enough to keep two FMA pipes of four-cycle latency busy. */
    public static final int CHAINS = 12;
    /** FMA steps of each chain per call. */
    public static final int STEPS = 1024;

    private MachineLimits() {
    }

    /** Lanes of the vectors in use. */
    public static int lanes() {
        return Simd.LANES;
    }

    /** The sum of a whole segment of floats, read once in address order; four chains hide the add latency. */
    public static float streamingSum(MemorySegment s) {
        long n = s.byteSize() / Float.BYTES, step = Simd.LANES;
        FloatVector a0 = FloatVector.zero(Simd.SPECIES), a1 = a0, a2 = a0, a3 = a0;
        long i = 0;
        for (; i + 4 * step <= n; i += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(Simd.SPECIES, s, i * Float.BYTES, ByteOrder.nativeOrder()));
            a1 = a1.add(
                    FloatVector.fromMemorySegment(Simd.SPECIES, s, (i + step) * Float.BYTES, ByteOrder.nativeOrder()));
            a2 = a2.add(
                    FloatVector.fromMemorySegment(Simd.SPECIES, s, (i + 2 * step) * Float.BYTES,
                            ByteOrder.nativeOrder()));
            a3 = a3.add(
                    FloatVector.fromMemorySegment(Simd.SPECIES, s, (i + 3 * step) * Float.BYTES,
                            ByteOrder.nativeOrder()));
        }
        float total = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            total += s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        }
        return total;
    }

    /** The FMA chains, summed once at the end so that no chain is dead code. */
    public static float fmaChains(float xv, float yv, float b) {
        FloatVector x = FloatVector.broadcast(Simd.SPECIES, xv), y = FloatVector.broadcast(Simd.SPECIES, yv);
        FloatVector a0 = FloatVector.broadcast(Simd.SPECIES, b), a1 = FloatVector.broadcast(Simd.SPECIES, b + 1);
        FloatVector a2 = FloatVector.broadcast(Simd.SPECIES, b + 2), a3 = FloatVector.broadcast(Simd.SPECIES, b + 3);
        FloatVector a4 = FloatVector.broadcast(Simd.SPECIES, b + 4), a5 = FloatVector.broadcast(Simd.SPECIES, b + 5);
        FloatVector a6 = FloatVector.broadcast(Simd.SPECIES, b + 6), a7 = FloatVector.broadcast(Simd.SPECIES, b + 7);
        FloatVector a8 = FloatVector.broadcast(Simd.SPECIES, b + 8), a9 = FloatVector.broadcast(Simd.SPECIES, b + 9);
        FloatVector a10 = FloatVector.broadcast(Simd.SPECIES, b + 10),
                a11 = FloatVector.broadcast(Simd.SPECIES, b + 11);
        for (int s = 0; s < STEPS; s++) {
            a0 = a0.fma(x, y);
            a1 = a1.fma(x, y);
            a2 = a2.fma(x, y);
            a3 = a3.fma(x, y);
            a4 = a4.fma(x, y);
            a5 = a5.fma(x, y);
            a6 = a6.fma(x, y);
            a7 = a7.fma(x, y);
            a8 = a8.fma(x, y);
            a9 = a9.fma(x, y);
            a10 = a10.fma(x, y);
            a11 = a11.fma(x, y);
        }
        return a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).add(a8.add(a9).add(a10.add(a11)))
                .reduceLanes(VectorOperators.ADD);
    }
}
