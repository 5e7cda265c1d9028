package io.attn4j.bench;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.cblas_sgemm;

import ai.onnxruntime.OrtException;
import io.attn4j.attention.Attention;
import io.attn4j.attention.AttentionMask;
import io.attn4j.attention.AttentionWorkspace;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.SoftmaxMask;
import io.attn4j.engine.parallel.Parallel;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
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
 * W3: one attention head, {@code Y = softmax(Q K^T / sqrt(d) [+ causal mask]) V}, {@code Q, K, V,
 * Y [T, d]} with d = 64, fp32: attn4j's fused attention, attn4j's reference (scores
 * materialized), the naive composition on OpenBLAS (sgemm for the scores, attn4j's softmax, sgemm
 * for P V; the causal mask as excluded bytes, nothing skipped) and ONNX Runtime's
 * MatMul-Softmax-MatMul graph (the causal mask as an additive 0 / -inf input).
 *
 * <p>Each call runs on {@code threads} threads, 1 by default; the suite also runs T = 2048 with
 * all cores: attn4j with an executor of that many threads ({@link CallThreads}), OpenBLAS with
 * that many threads and its softmax split over attn4j's executor, ONNX Runtime with that many
 * intra-op threads.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class AttentionBench extends BenchSettings {
    static final int D = 64;

    /** Q, K, V, the output, attn4j's result and the agreement check shared by every implementation. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"512", "2048", "8192"})
        public int seq;

        @Param({"none", "causal"})
        public String mask;

        /** Threads each call runs on. */
        @Param({"1"})
        public int threads;

        float scale;
        MemorySegment q;
        MemorySegment k;
        MemorySegment v;
        MemorySegment y;
        Tensor qt;
        Tensor kt;
        Tensor vt;
        Tensor yt;
        AttentionMask attnMask;
        Attention attention;
        AttentionWorkspace workspace;
        CallThreads callThreads;

        private SeededSegments operands;
        private float[] expected;
        private double tolerance;

        @Setup
        public void setUp() {
            Attn4j.vectorKernels();
            callThreads = new CallThreads(threads);
            operands = new SeededSegments();
            long n = (long) seq * D;
            q = operands.uniform(n);
            k = operands.uniform(n);
            v = operands.uniform(n);
            y = operands.allocate(n);
            qt = Tensor.wrap(q, DType.F32, 1, seq, D);
            kt = Tensor.wrap(k, DType.F32, 1, seq, D);
            vt = Tensor.wrap(v, DType.F32, 1, seq, D);
            yt = Tensor.wrap(y, DType.F32, 1, seq, D);
            scale = (float) (1 / Math.sqrt(D));
            attnMask = causal() ? AttentionMask.none().withCausal() : AttentionMask.none();
            attention = Attention.scaledDot(scale);
            workspace = new AttentionWorkspace();
            attention.attendReference(qt, kt, vt, attnMask, workspace, null, yt, null);
            expected = y.toArray(ValueLayout.JAVA_FLOAT);
            // |q|, |k|, |v| <= 1: each score is within Δ = (d + 2) eps scale d of exact, each output within
            // (e^(2Δ) - 1 + (3T + 16) eps) max|v| (the attention bound of attn4j's tests), for each of two results
            double delta = (D + 2) * Agreement.EPS * scale * D;
            tolerance = 2 * (Math.expm1(2 * delta) + (3.0 * seq + 16) * Agreement.EPS);
            requireAgrees("attn4j fused attention",
                    () -> attention.attend(qt, kt, vt, attnMask, workspace, callThreads.executor(), yt, null));
        }

        boolean causal() {
            return mask.equals("causal");
        }

        /** Runs {@code impl} once on a NaN-filled output and requires it within the bound of attn4j's reference. */
        void requireAgrees(String what, Runnable impl) {
            y.fill((byte) 0xFF);
            impl.run();
            Agreement.require(what, expected, y, i -> tolerance);
        }

        @TearDown
        public void tearDown() {
            workspace.close();
            attention.close();
            operands.close();
            callThreads.close();
        }
    }

    /**
     * The naive composition: S = scale Q K^T (sgemm), P = softmax(S) (attn4j kernels, split by rows
     * over the executor when there is one), Y = P V (sgemm).
     */
    @State(Scope.Benchmark)
    public static class Blas {
        FloatPointer q;
        FloatPointer k;
        FloatPointer v;
        FloatPointer y;
        FloatPointer s;
        MemorySegment scores;
        SoftmaxMask causalMask;
        Kernels kernels;
        private SeededSegments operands;

        @Setup
        public void setUp(Inputs in) {
            operands = new SeededSegments();
            scores = operands.allocate((long) in.seq * in.seq);
            if (in.causal()) {
                // T^2 mask bytes, in a float allocation of a quarter as many elements
                MemorySegment excluded = operands.allocate(((long) in.seq * in.seq + 3) / 4);
                for (long i = 0; i < in.seq; i++) {
                    for (long j = i + 1; j < in.seq; j++) {
                        excluded.set(ValueLayout.JAVA_BYTE, i * in.seq + j, (byte) 1);
                    }
                }
                causalMask = SoftmaxMask.excluded(excluded, 0, in.seq);
            }
            kernels = Attn4j.vectorKernels();
            OpenBlas.useThreads(in.threads);
            q = OpenBlas.pointer(in.q);
            k = OpenBlas.pointer(in.k);
            v = OpenBlas.pointer(in.v);
            y = OpenBlas.pointer(in.y);
            s = OpenBlas.pointer(scores);
            in.requireAgrees("OpenBLAS composition", () -> run(in));
        }

        void run(Inputs in) {
            int t = in.seq;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, D, in.scale, q, D, k, D, 0f, s, t);
            Parallel.softmaxRows(kernels, in.callThreads.executor(), t, t, 1f, scores, 0, t, causalMask, scores, 0, t);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, D, t, 1f, s, t, v, D, 0f, y, D);
        }

        @TearDown
        public void tearDown() {
            operands.close();
        }
    }

    /** ONNX Runtime's MatMul-Softmax-MatMul graph over the same Q, K, V and Y. */
    @State(Scope.Benchmark)
    public static class Ort {
        OnnxModel model;
        private SeededSegments operands;

        @Setup
        public void setUp(Inputs in) throws OrtException {
            operands = new SeededSegments();
            MemorySegment scale = operands.allocate(1);
            scale.set(ValueLayout.JAVA_FLOAT, 0, in.scale);
            model = new OnnxModel(in.causal() ? "attention_masked.onnx" : "attention.onnx", in.threads)
                    .input("Q", in.q, 1, in.seq, D)
                    .input("K", in.k, 1, in.seq, D)
                    .input("V", in.v, 1, in.seq, D)
                    .input("scale", scale, 1)
                    .output("Y", in.y, 1, in.seq, D);
            if (in.causal()) {
                MemorySegment m = operands.allocate((long) in.seq * in.seq);
                for (long i = 0; i < in.seq; i++) {
                    for (long j = i + 1; j < in.seq; j++) {
                        m.setAtIndex(ValueLayout.JAVA_FLOAT, i * in.seq + j, Float.NEGATIVE_INFINITY);
                    }
                }
                model.input("M", m, in.seq, in.seq);
            }
            in.requireAgrees("ONNX Runtime attention graph", model.asRunnable());
        }

        @TearDown
        public void tearDown() throws OrtException {
            model.close();
            operands.close();
        }
    }

    @Benchmark
    public MemorySegment attn_attn4j(Inputs in) {
        in.attention.attend(in.qt, in.kt, in.vt, in.attnMask, in.workspace, in.callThreads.executor(), in.yt, null);
        return in.y;
    }

    @Benchmark
    public MemorySegment attn_reference(Inputs in) {
        in.attention.attendReference(in.qt, in.kt, in.vt, in.attnMask, in.workspace, in.callThreads.executor(), in.yt,
                null);
        return in.y;
    }

    @Benchmark
    public FloatPointer attn_openblas(Inputs in, Blas blas) {
        blas.run(in);
        return blas.y;
    }

    @Benchmark
    public MemorySegment attn_onnxruntime(Inputs in, Ort ort) throws OrtException {
        ort.model.run();
        return in.y;
    }
}
