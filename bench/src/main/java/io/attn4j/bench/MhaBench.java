package io.attn4j.bench;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.cblas_sgemm;

import ai.onnxruntime.OrtException;
import io.attn4j.attention.AttentionWorkspace;
import io.attn4j.attention.MultiHeadAttention;
import io.attn4j.engine.kernel.Kernels;
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
 * W4: multi-head self-attention with projections, as {@code nn.MultiheadAttention}: batch 1,
 * T = 1024, E = 512, 8 heads of 64, fp32. attn4j (fused heads), attn4j with the per-head weights
 * asked for (the reference path, scores materialized), the composition on OpenBLAS (sgemm
 * projections, per head sgemm, attn4j's softmax, sgemm), ONNX Runtime's graph of the same
 * operations, and ONNX Runtime with its contrib attention operator doing the heads' work.
 *
 * <p>Each call runs on {@code threads} threads, 1 by default; the suite also runs it with all
 * cores: attn4j with an executor of that many threads ({@link CallThreads}), OpenBLAS with that
 * many threads and its softmax split over attn4j's executor, ONNX Runtime with that many
 * intra-op threads.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MhaBench extends BenchSettings {
    static final int E = 512;
    static final int H = 8;
    static final int DH = E / H;

    /** Input, weights (uniform, scaled by 1/sqrt(E)), output and attn4j's result. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"1024"})
        public int seq;

        /** Threads each call runs on. */
        @Param({"1"})
        public int threads;

        MemorySegment x;
        MemorySegment y;
        MemorySegment inW;
        MemorySegment inB;
        MemorySegment outW;
        MemorySegment outB;
        Tensor xt;
        Tensor yt;
        Tensor perHead;
        MultiHeadAttention mha;
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
            x = operands.uniform((long) seq * E);
            y = operands.allocate((long) seq * E);
            inW = scaled(operands.uniform(3L * E * E), 1 / Math.sqrt(E));
            inB = operands.uniform(3L * E);
            outW = scaled(operands.uniform((long) E * E), 1 / Math.sqrt(E));
            outB = operands.uniform(E);
            xt = Tensor.wrap(x, DType.F32, 1, seq, E);
            yt = Tensor.wrap(y, DType.F32, 1, seq, E);
            perHead = Tensor.wrap(operands.allocate((long) H * seq * seq), DType.F32, 1, H, seq, seq);
            mha = MultiHeadAttention.fromPyTorch(H, Tensor.wrap(inW, DType.F32, 3L * E, E),
                    Tensor.wrap(inB, DType.F32, 3L * E),
                    Tensor.wrap(outW, DType.F32, E, E), Tensor.wrap(outB, DType.F32, E));
            workspace = new AttentionWorkspace();
            mha.forward(xt, xt, xt, null, workspace, null, yt, null);
            expected = y.toArray(ValueLayout.JAVA_FLOAT);
            double largest = 0;
            for (float e : expected) {
                largest = Math.max(largest, Math.abs(e));
            }
            // Three chained products of E, T and E terms and a softmax, each within (terms) eps of its sum
            // of magnitudes; with these inputs every such sum is within a few times max|y|: 8 (2E + T) eps max|y|
            // for each of two results.
            tolerance = 2 * 8 * (2.0 * E + seq) * Agreement.EPS * largest;
            requireAgrees("attn4j multi-head attention with weights",
                    () -> mha.forward(xt, xt, xt, null, workspace, callThreads.executor(), yt, perHead));
            // the timed call on this benchmark's threads (the expected result is its one-thread run)
            requireAgrees("attn4j multi-head attention",
                    () -> mha.forward(xt, xt, xt, null, workspace, callThreads.executor(), yt, null));
        }

        private static MemorySegment scaled(MemorySegment s, double f) {
            for (long i = 0; i < s.byteSize() / Float.BYTES; i++) {
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (s.getAtIndex(ValueLayout.JAVA_FLOAT, i) * f));
            }
            return s;
        }

        void requireAgrees(String what, Runnable impl) {
            y.fill((byte) 0xFF);
            impl.run();
            Agreement.require(what, expected, y, i -> tolerance);
        }

        @TearDown
        public void tearDown() {
            workspace.close();
            mha.close();
            operands.close();
            callThreads.close();
        }
    }

    /** The composition on OpenBLAS over pointers into the same memory, per-head views made once. */
    @State(Scope.Benchmark)
    public static class Blas {
        FloatPointer x;
        FloatPointer y;
        FloatPointer inW;
        FloatPointer outW;
        FloatPointer qkv;
        FloatPointer concat;
        FloatPointer s;
        FloatPointer[] qHead = new FloatPointer[H];
        FloatPointer[] kHead = new FloatPointer[H];
        FloatPointer[] vHead = new FloatPointer[H];
        FloatPointer[] oHead = new FloatPointer[H];
        MemorySegment qkvSeg;
        MemorySegment ySeg;
        MemorySegment scores;
        MemorySegment inB;
        MemorySegment outB;
        Kernels kernels;
        private SeededSegments operands;

        @Setup
        public void setUp(Inputs in) {
            operands = new SeededSegments();
            int t = in.seq;
            qkvSeg = operands.allocate(3L * t * E);
            MemorySegment concatSeg = operands.allocate((long) t * E);
            scores = operands.allocate((long) t * t);
            kernels = Attn4j.vectorKernels();
            OpenBlas.useThreads(in.threads);
            x = OpenBlas.pointer(in.x);
            y = OpenBlas.pointer(in.y);
            ySeg = in.y;
            inW = OpenBlas.pointer(in.inW);
            outW = OpenBlas.pointer(in.outW);
            inB = in.inB;
            outB = in.outB;
            qkv = OpenBlas.pointer(qkvSeg);
            concat = OpenBlas.pointer(concatSeg);
            s = OpenBlas.pointer(scores);
            for (int h = 0; h < H; h++) {
                qHead[h] = OpenBlas.pointer(qkvSeg.asSlice((long) h * DH * Float.BYTES));
                kHead[h] = OpenBlas.pointer(qkvSeg.asSlice((long) (E + h * DH) * Float.BYTES));
                vHead[h] = OpenBlas.pointer(qkvSeg.asSlice((long) (2 * E + h * DH) * Float.BYTES));
                oHead[h] = OpenBlas.pointer(concatSeg.asSlice((long) h * DH * Float.BYTES));
            }
            in.requireAgrees("OpenBLAS composition", () -> run(in));
        }

        void run(Inputs in) {
            int t = in.seq;
            float scale = (float) (1 / Math.sqrt(DH));
            // qkv [T, 3E] = X Win^T + bin
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, 3 * E, E, 1f, x, E, inW, E, 0f, qkv, 3 * E);
            for (int r = 0; r < t; r++) {
                kernels.add(3 * E, qkvSeg, (long) r * 3 * E, inB, 0, qkvSeg, (long) r * 3 * E);
            }
            for (int h = 0; h < H; h++) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, DH, scale, qHead[h], 3 * E, kHead[h], 3 * E,
                        0f, s, t);
                Parallel.softmaxRows(kernels, in.callThreads.executor(), t, t, 1f, scores, 0, t, null, scores, 0, t);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, DH, t, 1f, s, t, vHead[h], 3 * E, 0f,
                        oHead[h], E);
            }
            // y [T, E] = concat Wo^T + bo
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, E, E, 1f, concat, E, outW, E, 0f, y, E);
            for (int r = 0; r < t; r++) {
                kernels.add(E, ySeg, (long) r * E, outB, 0, ySeg, (long) r * E);
            }
        }

        @TearDown
        public void tearDown() {
            operands.close();
        }
    }

    /** ONNX Runtime's graph: MatMul projections, Split, Reshape/Transpose into heads, MatMul-Softmax-MatMul, back. */
    @State(Scope.Benchmark)
    public static class Ort {
        OnnxModel model;
        private SeededSegments operands;

        @Setup
        public void setUp(Inputs in) throws OrtException {
            operands = new SeededSegments();
            MemorySegment scale = operands.allocate(1);
            scale.set(ValueLayout.JAVA_FLOAT, 0, (float) (1 / Math.sqrt(DH)));
            model = onnxModel("mha_h" + H + ".onnx", in, operands).input("scale", scale, 1);
            in.requireAgrees("ONNX Runtime multi-head attention graph", model.asRunnable());
        }

        @TearDown
        public void tearDown() throws OrtException {
            model.close();
            operands.close();
        }
    }

    /**
     * ONNX Runtime's contrib operator com.microsoft.MultiHeadAttention (its default scale,
     * 1/sqrt(64); it adds Bqkv) after a MatMul Wqkv and a Split, then MatMul Wo + Bo. Its
     * com.microsoft.Attention operator, which also does the input projection, ran as fast (see
     * bench/scripts/make_onnx_models.py).
     */
    @State(Scope.Benchmark)
    public static class OrtContrib {
        OnnxModel model;
        private SeededSegments operands;

        @Setup
        public void setUp(Inputs in) throws OrtException {
            operands = new SeededSegments();
            model = onnxModel("mha_h" + H + "_contrib.onnx", in, operands);
            in.requireAgrees("ONNX Runtime com.microsoft.MultiHeadAttention", model.asRunnable());
        }

        @TearDown
        public void tearDown() throws OrtException {
            model.close();
            operands.close();
        }
    }

    /**
     * {@code resource} on {@code in.threads} intra-op threads, with the inputs every W4 model
     * takes bound: X, Wqkv and Wo (transposed copies from {@code operands}, as ONNX's MatMul wants
     * them), Bqkv, Bo, and the output Y.
     */
    static OnnxModel onnxModel(String resource, Inputs in, SeededSegments operands) throws OrtException {
        return new OnnxModel(resource, in.threads)
                .input("X", in.x, in.seq, E)
                .input("Wqkv", transpose(operands, in.inW, 3 * E, E), E, 3L * E)
                .input("Bqkv", in.inB, 3L * E)
                .input("Wo", transpose(operands, in.outW, E, E), E, E)
                .input("Bo", in.outB, E)
                .output("Y", in.y, in.seq, E);
    }

    /** A {@code cols x rows} copy of a row-major {@code rows x cols} matrix. */
    private static MemorySegment transpose(SeededSegments operands, MemorySegment m, int rows, int cols) {
        MemorySegment t = operands.allocate((long) rows * cols);
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                t.setAtIndex(ValueLayout.JAVA_FLOAT, c * rows + r, m.getAtIndex(ValueLayout.JAVA_FLOAT, r * cols + c));
            }
        }
        return t;
    }

    @Benchmark
    public MemorySegment mha_attn4j(Inputs in) {
        in.mha.forward(in.xt, in.xt, in.xt, null, in.workspace, in.callThreads.executor(), in.yt, null);
        return in.y;
    }

    @Benchmark
    public MemorySegment mha_reference(Inputs in) {
        in.mha.forward(in.xt, in.xt, in.xt, null, in.workspace, in.callThreads.executor(), in.yt, in.perHead);
        return in.y;
    }

    @Benchmark
    public FloatPointer mha_openblas(Inputs in, Blas blas) {
        blas.run(in);
        return blas.y;
    }

    @Benchmark
    public MemorySegment mha_onnxruntime(Inputs in, Ort ort) throws OrtException {
        ort.model.run();
        return in.y;
    }

    @Benchmark
    public MemorySegment mha_onnxruntime_contrib(Inputs in, OrtContrib ort) throws OrtException {
        ort.model.run();
        return in.y;
    }
}
