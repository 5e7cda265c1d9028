package io.attn4j.bench;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.cblas_sgemv;

import ai.onnxruntime.OrtException;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * W8: {@code y = A x} in fp32, single-threaded: {@code A [M, N]} row-major, {@code x [N]},
 * {@code y [M]}. 2MN flops per call; A (64 MiB at 4096 x 4096) does not fit in cache, so this is
 * bound by memory bandwidth (4 bytes of A per 2 flops).
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GemvBench extends BenchSettings {

    /** The operands, the reference result and the agreement check shared by every implementation. */
    @State(Scope.Benchmark)
    public static class Inputs {
        /** M x N. */
        @Param({"4096x4096"})
        public String shape;

        int m;
        int n;
        MemorySegment a;
        MemorySegment x;
        MemorySegment y;
        Kernels attn4j;
        Kernels scalar;

        private SeededSegments operands;
        private float[] reference;
        private double[] aRowNorms;
        private double xNorm;

        @Setup
        public void setUp() {
            int[] d = SeededSegments.dims(shape, 2);
            m = d[0];
            n = d[1];
            operands = new SeededSegments();
            a = operands.uniform((long) m * n);
            x = operands.uniform(n);
            y = operands.allocate(m);
            attn4j = Attn4j.vectorKernels();
            scalar = KernelProvider.scalar();
            aRowNorms = Agreement.rowNorms(a, m, n);
            xNorm = Agreement.rowNorms(x, 1, n)[0];
            scalar.gemv(Transpose.NO, m, n, 1f, a, 0, n, x, 0, 0f, y, 0);
            reference = y.toArray(ValueLayout.JAVA_FLOAT);
            requireAgrees("attn4j " + attn4j.name(),
                    () -> attn4j.gemv(Transpose.NO, m, n, 1f, a, 0, n, x, 0, 0f, y, 0));
        }

        /**
         * Runs {@code impl} once on a NaN-filled y and requires every element within
         * {@code 2 (n + 2) eps ||a_i|| ||x||} of the reference: the GEMM bound of
         * {@link GemmBench.Inputs#requireAgrees} with x as the single column of B.
         */
        void requireAgrees(String what, Runnable impl) {
            y.fill((byte) 0xFF); // all-ones bytes are a NaN: an implementation that writes nothing fails
            impl.run();
            Agreement.require(what, reference, y, i -> 2.0 * (n + 2) * Agreement.EPS * aRowNorms[i] * xNorm);
        }

        @TearDown
        public void tearDown() {
            operands.close();
        }
    }

    /** OpenBLAS pointers over the same A, x and y. */
    @State(Scope.Benchmark)
    public static class Blas {
        FloatPointer a;
        FloatPointer x;
        FloatPointer y;

        @Setup
        public void setUp(Inputs in) {
            a = OpenBlas.pointer(in.a);
            x = OpenBlas.pointer(in.x);
            y = OpenBlas.pointer(in.y);
            System.out.println(System.lineSeparator() + "OpenBLAS " + OpenBlas.describe());
            in.requireAgrees("OpenBLAS sgemv",
                    () -> cblas_sgemv(CblasRowMajor, CblasNoTrans, in.m, in.n, 1f, a, in.n, x, 1, 0f, y, 1));
        }
    }

    /** ONNX Runtime's MatMul of A [M, N] by x as an [N, 1] matrix, bound to the same memory. */
    @State(Scope.Benchmark)
    public static class Ort {
        OnnxModel model;

        @Setup
        public void setUp(Inputs in) throws OrtException {
            model = new OnnxModel("matmul.onnx")
                    .input("A", in.a, in.m, in.n)
                    .input("B", in.x, in.n, 1)
                    .output("Y", in.y, in.m, 1);
            in.requireAgrees("ONNX Runtime MatMul (GEMV)", model.asRunnable());
        }

        @TearDown
        public void tearDown() throws OrtException {
            model.close();
        }
    }

    @Benchmark
    public MemorySegment gemv_attn4j(Inputs in) {
        in.attn4j.gemv(Transpose.NO, in.m, in.n, 1f, in.a, 0, in.n, in.x, 0, 0f, in.y, 0);
        return in.y;
    }

    @Benchmark
    public MemorySegment gemv_scalar(Inputs in) {
        in.scalar.gemv(Transpose.NO, in.m, in.n, 1f, in.a, 0, in.n, in.x, 0, 0f, in.y, 0);
        return in.y;
    }

    @Benchmark
    public FloatPointer gemv_openblas(Inputs in, Blas blas) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, in.m, in.n, 1f, blas.a, in.n, blas.x, 1, 0f, blas.y, 1);
        return blas.y;
    }

    @Benchmark
    public MemorySegment gemv_onnxruntime(Inputs in, Ort ort) throws OrtException {
        ort.model.run();
        return in.y;
    }
}
