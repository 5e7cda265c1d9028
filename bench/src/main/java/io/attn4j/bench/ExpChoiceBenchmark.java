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
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
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
 * Why {@link VectorMath} computes exp the way it does, at the width of {@link Simd#F}
 * ({@code -Dattn4j.vectorBits} picks it); the measured table is in {@link VectorMath}'s Javadoc.
 *
 * <ul>
 *   <li>{@code exp_*}: e^x of {@code n} floats uniform in [-80, 80] by {@code VectorOperators.EXP}
 *       (an out-of-line SVML routine on x86), by the full-range polynomial below, and by scalar
 *       {@link Math#exp}.</li>
 *   <li>{@code expNonPositive_*}: e^d of {@code n} floats uniform in [-80, 0], the arguments of
 *       softmax, tanh and sigmoid, by {@code VectorOperators.EXP} and by
 *       {@link VectorMath#expNonPositive}.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ExpChoiceBenchmark {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    // The full-range candidate's constants: the reduction and polynomial of VectorMath.expNonPositive
    private static final float LOG2E = 1.4426950216293335f;
    private static final float LN2_HI = 0.6931471824645996f;
    private static final float LN2_LO = -1.9046542121259336e-09f;
    private static final float SHIFTER = 0x1.8p23f;
    private static final float E2 = 0.4999999403953552f;
    private static final float E3 = 0.1666651964187622f;
    private static final float E4 = 0.04166839271783829f;
    private static final float E5 = 0.008368751034140587f;
    private static final float E6 = 0.0013814530102536082f;

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
            x.setAtIndex(F, i, (float) rnd.nextDouble(-80, 80));
            d.setAtIndex(F, i, (float) rnd.nextDouble(-80, 0));
        }
        float[] expected = read(exp_scalar());
        agree("exp_operator", read(exp_operator()), expected);
        agree("exp_polynomial", read(exp_polynomial()), expected);
        for (int i = 0; i < n; i++) {
            expected[i] = (float) Math.exp(d.getAtIndex(F, i));
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
            FloatVector.fromMemorySegment(Simd.F, x, Float.BYTES * (long) i, ORDER).lanewise(VectorOperators.EXP)
                    .intoMemorySegment(out, Float.BYTES * (long) i, ORDER);
        }
        return out;
    }

    @Benchmark
    public MemorySegment exp_polynomial() {
        for (int i = 0; i < n; i += Simd.LANES) {
            fullRangePolynomial(FloatVector.fromMemorySegment(Simd.F, x, Float.BYTES * (long) i, ORDER))
                    .intoMemorySegment(out, Float.BYTES * (long) i, ORDER);
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

    @Benchmark
    public MemorySegment expNonPositive_operator() {
        for (int i = 0; i < n; i += Simd.LANES) {
            FloatVector.fromMemorySegment(Simd.F, d, Float.BYTES * (long) i, ORDER).lanewise(VectorOperators.EXP)
                    .intoMemorySegment(out, Float.BYTES * (long) i, ORDER);
        }
        return out;
    }

    @Benchmark
    public MemorySegment expNonPositive_polynomial() {
        for (int i = 0; i < n; i += Simd.LANES) {
            VectorMath.expNonPositive(FloatVector.fromMemorySegment(Simd.F, d, Float.BYTES * (long) i, ORDER))
                    .intoMemorySegment(out, Float.BYTES * (long) i, ORDER);
        }
        return out;
    }

    /**
     * The candidate that lost to {@code VectorOperators.EXP} for the full range: within 1 ulp over
     * all floats (subnormal results included). Lanes below -104 (where e^x rounds to 0) compute
     * e^0 and are zeroed, so that no multiply underflows (a microcode assist on x86); inputs above
     * 88.8 are clamped there (e^88.8 overflows); 2^n, n in [-150, 128], is applied in two normal
     * factors 2^(n>>1) 2^(n-(n>>1)) so that the last multiply rounds once into the subnormals.
     */
    private static FloatVector fullRangePolynomial(FloatVector x) {
        VectorMask<Float> zero = x.compare(VectorOperators.LT, -104f);
        FloatVector xc = x.blend(0f, zero).blend(88.8f, x.compare(VectorOperators.GT, 88.8f));
        FloatVector t = xc.fma(LOG2E, SHIFTER);
        FloatVector k = t.sub(SHIFTER);
        FloatVector r = k.fma(k.broadcast(-LN2_HI), xc);
        r = k.fma(k.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(E6, E5);
        p = p.fma(r, p.broadcast(E4));
        p = p.fma(r, p.broadcast(E3));
        p = p.fma(r, p.broadcast(E2));
        p = p.fma(r, p.broadcast(1f));
        p = p.fma(r, p.broadcast(1f));
        IntVector n = t.reinterpretAsInts().sub(Float.floatToRawIntBits(SHIFTER));
        IntVector n1 = n.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2).blend(0f, zero);
    }

    private float[] read(MemorySegment s) {
        float[] a = new float[n];
        MemorySegment.copy(s, F, 0, a, 0, n);
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
                throw new IllegalStateException(name + " disagrees with Math.exp at " + i + ": " + actual[i] + " vs " + expected[i]);
            }
        }
    }
}
