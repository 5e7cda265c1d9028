package io.attn4j.bench;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.cblas_sgemm;

import ai.onnxruntime.OrtException;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * W1: {@code C = A B} in fp32, single-threaded: {@code A [M, K]}, {@code B [K, N]}, {@code C [M, N]},
 * all row-major and contiguous. 2MNK flops per call.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GemmBench extends BenchSettings {

    /** The operands, the reference result and the agreement check shared by every implementation. */
    @State(Scope.Benchmark)
    public static class Inputs {
        /** M x N x K: the square case and the two attention products (Q K^T and P V at T=2048, d=64). */
        @Param({"1024x1024x1024", "2048x2048x64", "2048x64x2048"})
        public String shape;

        int m;
        int n;
        int k;
        MemorySegment a;
        MemorySegment b;
        MemorySegment c;
        Kernels attn4j;
        Kernels scalar;

        private SeededSegments operands;
        private float[] reference;
        private double[] aRowNorms;
        private double[] bColumnNorms;

        @Setup
        public void setUp() {
            int[] d = SeededSegments.dims(shape, 3);
            m = d[0];
            n = d[1];
            k = d[2];
            operands = new SeededSegments();
            a = operands.uniform((long) m * k);
            b = operands.uniform((long) k * n);
            c = operands.allocate((long) m * n);
            attn4j = Attn4j.vectorKernels();
            scalar = KernelProvider.scalar();
            aRowNorms = Agreement.rowNorms(a, m, k);
            bColumnNorms = Agreement.columnNorms(b, k, n);
            scalar.gemm(Transpose.NO, Transpose.NO, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            reference = c.toArray(ValueLayout.JAVA_FLOAT);
            requireAgrees("attn4j " + attn4j.name(),
                    () -> attn4j.gemm(Transpose.NO, Transpose.NO, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n));
        }

        /**
         * Runs {@code impl} once on a NaN-filled C and requires every element within
         * {@code 2 (k + 2) eps ||a_i|| ||b_j||} of the reference: each of the two results is within
         * {@code gamma_k sum_l |a_il b_lj|} of the exact product (any summation order), and
         * {@code sum_l |a_il b_lj| <= ||a_i||_2 ||b_j||_2} by Cauchy-Schwarz; the +2 covers gamma_k's
         * higher-order term and the rounding of alpha.
         */
        void requireAgrees(String what, Runnable impl) {
            c.fill((byte) 0xFF); // all-ones bytes are a NaN: an implementation that writes nothing fails
            impl.run();
            Agreement.require(what, reference, c,
                    i -> 2.0 * (k + 2) * Agreement.EPS * aRowNorms[i / n] * bColumnNorms[i % n]);
        }

        @TearDown
        public void tearDown() {
            operands.close();
        }
    }

    /** OpenBLAS pointers over the same A, B and C. */
    @State(Scope.Benchmark)
    public static class Blas {
        FloatPointer a;
        FloatPointer b;
        FloatPointer c;

        @Setup
        public void setUp(Inputs in) {
            a = OpenBlas.pointer(in.a);
            b = OpenBlas.pointer(in.b);
            c = OpenBlas.pointer(in.c);
            System.out.println(System.lineSeparator() + "OpenBLAS " + OpenBlas.describe());
            in.requireAgrees("OpenBLAS sgemm", () -> cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    in.m, in.n, in.k, 1f, a, in.k, b, in.n, 0f, c, in.n));
        }
    }

    /** ONNX Runtime's MatMul with A, B and Y bound to the same memory. */
    @State(Scope.Benchmark)
    public static class Ort {
        OnnxModel model;

        @Setup
        public void setUp(Inputs in) throws OrtException {
            model = new OnnxModel("matmul.onnx")
                    .input("A", in.a, in.m, in.k)
                    .input("B", in.b, in.k, in.n)
                    .output("Y", in.c, in.m, in.n);
            in.requireAgrees("ONNX Runtime MatMul", model.asRunnable());
        }

        @TearDown
        public void tearDown() throws OrtException {
            model.close();
        }
    }

    @Benchmark
    public MemorySegment gemm_attn4j(Inputs in) {
        in.attn4j.gemm(Transpose.NO, Transpose.NO, in.m, in.n, in.k, 1f, in.a, 0, in.k, in.b, 0, in.n, 0f, in.c, 0,
                in.n);
        return in.c;
    }

    /**
     * The plain-loop reference: about a second per call at 1024^3, so few and short iterations
     * (each still times at least one whole call); its score is a scale, not a target.
     */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public MemorySegment gemm_scalar(Inputs in) {
        in.scalar.gemm(Transpose.NO, Transpose.NO, in.m, in.n, in.k, 1f, in.a, 0, in.k, in.b, 0, in.n, 0f, in.c, 0,
                in.n);
        return in.c;
    }

    @Benchmark
    public FloatPointer gemm_openblas(Inputs in, Blas blas) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in.m, in.n, in.k, 1f, blas.a, in.k, blas.b, in.n, 0f,
                blas.c, in.n);
        return blas.c;
    }

    @Benchmark
    public MemorySegment gemm_onnxruntime(Inputs in, Ort ort) throws OrtException {
        ort.model.run();
        return in.c;
    }
}
