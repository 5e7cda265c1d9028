package io.attn4j.bench;

import io.attn4j.bench.vector.MachineLimits;

import io.attn4j.engine.kernel.KernelProvider;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
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
 *       {@value #CHAINS} independent FMA chains at the vector width in use, {@value #STEPS} steps each:
 *       {@code 2 * CHAINS * STEPS * LANES} flops per call;</li>
 *   <li>{@code limit_read}: read bandwidth, a plain streaming vector sum (four accumulators, one
 *       address-ordered pass) over an off-heap segment of {@code mib} MiB, far larger than the
 *       last-level cache (32 MiB on the machine this was written on), so that every call streams
 *       it from memory: {@code mib * 2^20} bytes per call. Not attn4j's {@code sum} kernel: the
 *       limit is the machine's, and that kernel (a fixed-order lane sum for reproducibility,
 *       int-indexed) reads slower than this loop over the same sizes.</li>
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
    public static final int CHAINS = MachineLimits.CHAINS;
    /** FMA steps per chain and call: about 1.5 us per call, so the call overhead does not count. */
    public static final int STEPS = MachineLimits.STEPS;

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
                expected += (double) MachineLimits.lanes() * a;
            }
            // Every lane repeats its chain's correctly rounded recurrence exactly; only the final
            // sum of CHAINS * LANES positive terms rounds, within (terms - 1) eps of their sum.
            int terms = CHAINS * MachineLimits.lanes();
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

        private SeededSegments operands;

        @Setup
        public void setUp() {
            n = Math.toIntExact((long) mib * (1 << 20) / Float.BYTES);
            operands = new SeededSegments();
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

    /** The sum of a whole segment of floats, read once in address order. */
    static float stream(MemorySegment s) {
        return MachineLimits.streamingSum(s);
    }

    private static float limit(FmaOperands in) {
        return MachineLimits.fmaChains(in.x, in.y, in.start);
    }
}
