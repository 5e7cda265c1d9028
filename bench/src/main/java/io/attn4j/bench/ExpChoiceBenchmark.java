package io.attn4j.bench;

import io.attn4j.engine.kernel.Simd;
import io.attn4j.engine.kernel.VectorMath;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.openjdk.jmh.annotations.*;

@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ExpChoiceBenchmark {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    @Param("4096")
    int n;
    Arena arena;
    MemorySegment x, out;

    @Setup
    public void setUp() {
        arena = Arena.ofConfined();
        x = arena.allocate(4L * n, 64);
        out = arena.allocate(4L * n, 64);
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < n; i++) x.setAtIndex(F, i, (float) rnd.nextDouble(-80, 80));
    }

    @TearDown
    public void tearDown() { arena.close(); }

    @Benchmark
    public MemorySegment exp_operator() {
        for (int i = 0; i < n; i += Simd.LANES) {
            FloatVector.fromMemorySegment(Simd.F, x, 4L * i, ByteOrder.nativeOrder()).lanewise(VectorOperators.EXP)
                    .intoMemorySegment(out, 4L * i, ByteOrder.nativeOrder());
        }
        return out;
    }

    @Benchmark
    public MemorySegment exp_polynomial() {
        for (int i = 0; i < n; i += Simd.LANES) {
            VectorMath.exp(FloatVector.fromMemorySegment(Simd.F, x, 4L * i, ByteOrder.nativeOrder()))
                    .intoMemorySegment(out, 4L * i, ByteOrder.nativeOrder());
        }
        return out;
    }

    @Benchmark
    public MemorySegment exp_scalar() {
        for (int i = 0; i < n; i++) {
            out.setAtIndex(F, i, (float) Math.exp(x.getAtIndex(F, i)));
        }
        return out;
    }
}
