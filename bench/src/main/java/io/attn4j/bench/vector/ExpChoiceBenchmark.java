package io.attn4j.bench.vector;

import io.attn4j.engine.internal.vector.Simd;
import io.attn4j.engine.internal.vector.VectorMath;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Why {@link VectorMath} computes exp the way it does, at the width of {@link Simd#SPECIES}
 * ({@code -Dattn4j.vectorBits} picks it); the measured table is in {@code docs/performance-notes.md}.
 *
 * <ul>
 *   <li>{@code exp_*}: e^x of {@code n} floats uniform in [-80, 80] by {@code VectorOperators.EXP}
 *       (an out-of-line SVML routine on x86), by the polynomial {@link VectorMath#exp}, and by
 *       scalar {@link Math#exp}.</li>
 *   <li>{@code expNonPositive_*}: e^d of {@code n} floats uniform in [-80, 0], the arguments of
 *       softmax, tanh and sigmoid, by {@code VectorOperators.EXP} and by
 *       {@link VectorMath#expNonPositive}.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class ExpChoiceBenchmark {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** A multiple of every vector length, so that no benchmark needs a tail loop. */
    @Param("4096")
    int n;

    private Arena arena;
    private MemorySegment x;
    private MemorySegment d;
    private MemorySegment out;

    @Setup
    public void setUp() {
        arena = Arena.ofConfined();
        x = arena.allocate(Float.BYTES * (long) n, 64);
        d = arena.allocate(Float.BYTES * (long) n, 64);
        out = arena.allocate(Float.BYTES * (long) n, 64);
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < n; i++) {
            x.setAtIndex(FLOAT, i, (float) rnd.nextDouble(-80, 80));
            d.setAtIndex(FLOAT, i, (float) rnd.nextDouble(-80, 0));
        }
        float[] expected = read(exp_scalar());
        agree("exp_operator", read(exp_operator()), expected);
        agree("exp_polynomial", read(exp_polynomial()), expected);
        for (int i = 0; i < n; i++) {
            expected[i] = (float) Math.exp(d.getAtIndex(FLOAT, i));
        }
        agree("expNonPositive_operator", read(expNonPositive_operator()), expected);
        agree("expNonPositive_polynomial", read(expNonPositive_polynomial()), expected);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment exp_operator() {
        for (int i = 0; i < n; i += Simd.LANES) {
            FloatVector.fromMemorySegment(Simd.SPECIES, x, Float.BYTES * (long) i, ORDER).lanewise(VectorOperators.EXP)
                    .intoMemorySegment(out, Float.BYTES * (long) i, ORDER);
        }
        return out;
    }

    @Benchmark
    public MemorySegment exp_polynomial() {
        for (int i = 0; i < n; i += Simd.LANES) {
            VectorMath.exp(FloatVector.fromMemorySegment(Simd.SPECIES, x, Float.BYTES * (long) i, ORDER))
                    .intoMemorySegment(out, Float.BYTES * (long) i, ORDER);
        }
        return out;
    }

    @Benchmark
    public MemorySegment exp_scalar() {
        for (int i = 0; i < n; i++) {
            out.setAtIndex(FLOAT, i, (float) Math.exp(x.getAtIndex(FLOAT, i)));
        }
        return out;
    }

    @Benchmark
    public MemorySegment expNonPositive_operator() {
        for (int i = 0; i < n; i += Simd.LANES) {
            FloatVector.fromMemorySegment(Simd.SPECIES, d, Float.BYTES * (long) i, ORDER).lanewise(VectorOperators.EXP)
                    .intoMemorySegment(out, Float.BYTES * (long) i, ORDER);
        }
        return out;
    }

    @Benchmark
    public MemorySegment expNonPositive_polynomial() {
        for (int i = 0; i < n; i += Simd.LANES) {
            VectorMath.expNonPositive(FloatVector.fromMemorySegment(Simd.SPECIES, d, Float.BYTES * (long) i, ORDER))
                    .intoMemorySegment(out, Float.BYTES * (long) i, ORDER);
        }
        return out;
    }

    private float[] read(MemorySegment s) {
        float[] a = new float[n];
        MemorySegment.copy(s, FLOAT, 0, a, 0, n);
        return a;
    }

    /**
     * Within 1 ulp of {@link Math#exp} rounded to float (the bound measured for all of them over
     * all floats), or +0 where that is below 2^-126 (expNonPositive's flush).
     */
    private static void agree(String name, float[] actual, float[] expected) {
        for (int i = 0; i < expected.length; i++) {
            boolean flushed = expected[i] < 0x1p-126f && actual[i] == 0f;
            if (!flushed && Math.abs(actual[i] - expected[i]) > Math.ulp(expected[i])) {
                throw new IllegalStateException(
                        name + " disagrees with Math.exp at " + i + ": " + actual[i] + " vs " + expected[i]);
            }
        }
    }
}
