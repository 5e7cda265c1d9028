package io.attn4j.bench;

import io.attn4j.engine.internal.vector.Simd;
import io.attn4j.engine.kernel.KernelProvider;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The two limits of this machine that the roofline compares every workload with, measured in the
 * same run as the workloads and with the same threads and vector width:
 *
 * <ul>
 *   <li>{@code limit_fma}: peak fp32 FMA throughput of one core through the Vector API,
 *       {@value #CHAINS} independent FMA chains at {@link Simd#F}, {@value #STEPS} steps each:
 *       {@code 2 * CHAINS * STEPS * LANES} flops per call;</li>
 *   <li>{@code limit_read}: read bandwidth, a plain streaming vector sum (four accumulators, one
 *       address-ordered pass) over an off-heap segment of {@code mib} MiB, far larger than the
 *       last-level cache (32 MiB on the machine this was written on), so that every call streams
 *       it from memory: {@code mib * 2^20} bytes per call. Not attn4j's {@code sum} kernel: the
 *       limit is the machine's, and that kernel (a fixed-order lane sum for reproducibility,
 *       int-indexed) read 20-25% slower than this loop over the same sizes.</li>
 * </ul>
 */
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MachineLimitsBench extends BenchSettings {
    /**
     * Independent accumulator chains. To keep every FMA unit busy, chains must cover latency x
     * throughput: 4-5 cycles x 2 FMAs per cycle on current x86 and Arm cores (Skylake-X,
     * Zen 3/4/5, Neoverse V1/V2), so at most 10. Twelve leave margin and still fit, with the two
     * operands, in the 16 vector registers of AVX2 (32 on AVX-512 and SVE), so nothing spills.
     */
    public static final int CHAINS = 12;
    /** FMA steps per chain and call: about 1.5 us per call, so the call overhead does not count. */
    public static final int STEPS = 1024;

    /**
     * Multiplier and addend of {@code a = a * x + y}, and the start of chain 0 (chain k starts at
     * {@code start + k}, so that the JIT cannot merge equal chains): the chains converge to 1,
     * with no overflow or subnormals on the way.
     */
    @State(Scope.Thread)
    public static class FmaOperands {
        float x = 0.9999f;
        float y = 1e-4f;
        float start = 0;

        @Setup
        public void setUp() {
            double expected = 0;
            for (int k = 0; k < CHAINS; k++) {
                float a = start + k;
                for (int s = 0; s < STEPS; s++) {
                    a = Math.fma(a, x, y);
                }
                expected += (double) Simd.LANES * a;
            }
            // Every lane repeats its chain's correctly rounded recurrence exactly; only the final
            // sum of CHAINS * LANES positive terms rounds, within (terms - 1) eps of their sum.
            int terms = CHAINS * Simd.LANES;
            Agreement.require("the FMA chains", (float) expected, limit(this), terms * Agreement.EPS * expected);
        }
    }

    /** A segment much larger than the last-level cache. */
    @State(Scope.Benchmark)
    public static class Stream {
        /** Size of the segment in MiB. */
        @Param({"256"})
        public int mib;

        MemorySegment data;
        int n;

        private Operands operands;

        @Setup
        public void setUp() {
            n = Math.toIntExact((long) mib * (1 << 20) / Float.BYTES);
            operands = new Operands();
            data = operands.uniform(n);
            double magnitude = 0;
            for (int i = 0; i < n; i++) {
                magnitude += Math.abs(data.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
            // Each sum is within n eps sum|x_i| of the exact one (a sum's usual bound), so the two
            // are within twice that of each other.
            Agreement.require("streaming sum", KernelProvider.scalar().sum(n, data, 0), stream(data),
                    2.0 * n * Agreement.EPS * magnitude);
        }

        @TearDown
        public void tearDown() {
            operands.close();
        }
    }

    @Benchmark
    public float limit_fma(FmaOperands in) {
        return limit(in);
    }

    @Benchmark
    public float limit_read(Stream in) {
        return stream(in.data);
    }

    /** The sum of a whole segment of floats, read once in address order; four chains hide the add latency. */
    static float stream(MemorySegment s) {
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
    private static float limit(FmaOperands in) {
        FloatVector x = FloatVector.broadcast(Simd.SPECIES, in.x), y = FloatVector.broadcast(Simd.SPECIES, in.y);
        float b = in.start;
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
