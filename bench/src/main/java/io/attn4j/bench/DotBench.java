package io.attn4j.bench;

import static org.bytedeco.openblas.global.openblas_full.cblas_sdot;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.util.VectorUtil;
import org.bytedeco.javacpp.FloatPointer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * W8: dot product {@code sum_i x[i] y[i]} of two fp32 vectors (2n flops), in L1 cache. Each call
 * of OpenBLAS includes its JNI transition, as a Java caller pays it. ONNX Runtime is left out:
 * a session run costs microseconds, a thousand times the work.
 */
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DotBench extends BenchSettings {

    /** The operands, the reference result and the agreement check shared by every implementation. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"1024"})
        public int n;

        MemorySegment x;
        MemorySegment y;
        Kernels attn4j;
        Kernels scalar;

        private SeededSegments operands;
        private float reference;
        private double magnitude;

        @Setup
        public void setUp() {
            operands = new SeededSegments();
            x = operands.uniform(n);
            y = operands.uniform(n);
            attn4j = Attn4j.vectorKernels();
            scalar = KernelProvider.scalar();
            for (int i = 0; i < n; i++) {
                magnitude += Math.abs(
                        (double) x.getAtIndex(ValueLayout.JAVA_FLOAT, i) * y.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
            reference = scalar.dot(n, x, 0, y, 0);
            requireAgrees("attn4j " + attn4j.name(), attn4j.dot(n, x, 0, y, 0));
        }

        /**
         * Requires {@code result} within {@code 2 (n + 1) eps sum |x_i y_i|} of the reference: the
         * Kernels bound {@code n eps sum |x_i y_i|} plus the final rounding, for each of the two.
         */
        void requireAgrees(String what, float result) {
            Agreement.require(what, reference, result, 2.0 * (n + 1) * Agreement.EPS * magnitude);
        }

        @TearDown
        public void tearDown() {
            operands.close();
        }
    }

    /** OpenBLAS pointers over the same x and y. */
    @State(Scope.Benchmark)
    public static class Blas {
        FloatPointer x;
        FloatPointer y;

        @Setup
        public void setUp(Inputs in) {
            x = OpenBlas.pointer(in.x);
            y = OpenBlas.pointer(in.y);
            System.out.println(System.lineSeparator() + "OpenBLAS " + OpenBlas.describe());
            in.requireAgrees("OpenBLAS sdot", cblas_sdot(in.n, x, 1, y, 1));
        }
    }

    /** Lucene reads Java arrays: copies of x and y. */
    @State(Scope.Benchmark)
    public static class Lucene {
        float[] x;
        float[] y;

        @Setup
        public void setUp(Inputs in) {
            x = in.x.toArray(ValueLayout.JAVA_FLOAT);
            y = in.y.toArray(ValueLayout.JAVA_FLOAT);
            in.requireAgrees("Lucene VectorUtil.dotProduct", VectorUtil.dotProduct(x, y));
        }
    }

    @Benchmark
    public float dot_attn4j(Inputs in) {
        return in.attn4j.dot(in.n, in.x, 0, in.y, 0);
    }

    @Benchmark
    public float dot_scalar(Inputs in) {
        return in.scalar.dot(in.n, in.x, 0, in.y, 0);
    }

    @Benchmark
    public float dot_openblas(Inputs in, Blas blas) {
        return cblas_sdot(in.n, blas.x, 1, blas.y, 1);
    }

    @Benchmark
    public float dot_lucene(Lucene lucene) {
        return VectorUtil.dotProduct(lucene.x, lucene.y);
    }
}
