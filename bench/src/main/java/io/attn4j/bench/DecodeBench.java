package io.attn4j.bench;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.cblas_sgemv;

import ai.onnxruntime.OrtException;
import io.attn4j.attention.Attention;
import io.attn4j.attention.AttentionWorkspace;
import io.attn4j.attention.KvCache;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.parallel.Parallel;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.FloatPointer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * W5: one decoding step, one new query per head against T = 4096 cached positions, 32 heads of
 * d = 128, fp32, single thread; reported in GB/s of keys and values read (134 MB per step). attn4j's
 * KV cache (fused, keys split in fixed chunks), attn4j's reference over the cached keys, per head
 * sgemv - softmax - sgemv on OpenBLAS, ONNX Runtime's attention graph over the cache's memory, and
 * {@code decode_memoryread}: a plain vector sum over the same keys and values, the read bandwidth
 * the step could reach at best.
 *
 * <p>Each call runs on {@code threads} threads, 1 by default; the suite also runs it with all
 * cores: attn4j's cache with an executor of that many threads (its keys split into chunks across
 * them), OpenBLAS with that many threads, ONNX Runtime with that many intra-op threads, and the
 * memory read split into that many contiguous parts.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecodeBench extends BenchSettings {
    static final int H = 32;
    static final int D = 128;

    /** The cache (filled once), the query, the output and attn4j's result. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"4096"})
        public int cached;

        /** Threads each call runs on. */
        @Param({"1"})
        public int threads;

        CallThreads callThreads;
        /** The keys' and values' segments cut into {@code threads} contiguous parts each, for the memory read. */
        MemorySegment[] readParts;
        float[] partSums;
        IntConsumer readPart;

        KvCache cache;
        Tensor keys;
        Tensor values;
        MemorySegment q;
        MemorySegment y;
        Tensor qt;
        Tensor yt;
        Attention attention;
        AttentionWorkspace workspace;
        float scale;

        private SeededSegments operands;
        private float[] expected;
        private double tolerance;

        @Setup
        public void setUp() {
            Attn4j.vectorKernels();
            callThreads = new CallThreads(threads);
            operands = new SeededSegments();
            cache = new KvCache(1, H, cached, D, D);
            cache.append(Tensor.wrap(operands.uniform((long) H * cached * D), DType.F32, 1, H, cached, D),
                    Tensor.wrap(operands.uniform((long) H * cached * D), DType.F32, 1, H, cached, D));
            keys = cache.keys();
            values = cache.values();
            q = operands.uniform((long) H * D);
            y = operands.allocate((long) H * D);
            qt = Tensor.wrap(q, DType.F32, 1, H, 1, D);
            yt = Tensor.wrap(y, DType.F32, 1, H, 1, D);
            scale = (float) (1 / Math.sqrt(D));
            attention = Attention.scaledDot(scale);
            workspace = new AttentionWorkspace();
            attention.attendReference(qt, keys, values, null, workspace, null, yt, null);
            expected = y.toArray(ValueLayout.JAVA_FLOAT);
            // the attention bound with |q|, |k|, |v| <= 1 (see AttentionBench), for each of two results
            double delta = (D + 2) * Agreement.EPS * scale * D;
            tolerance = 2 * (Math.expm1(2 * delta) + (3.0 * cached + 16) * Agreement.EPS);
            requireAgrees("attn4j KV-cache decoding",
                    () -> cache.attend(qt, scale, workspace, callThreads.executor(), yt));
            readParts = new MemorySegment[2 * threads];
            for (int i = 0; i < 2 * threads; i++) {
                MemorySegment whole = i < threads ? keys.segment() : values.segment();
                long part = whole.byteSize() / threads / 64 * 64, from = (i % threads) * part;
                readParts[i] = whole.asSlice(from, i % threads == threads - 1 ? whole.byteSize() - from : part);
            }
            partSums = new float[2 * threads];
            readPart = i -> partSums[i] = MachineLimitsBench.stream(readParts[i]);
        }

        void requireAgrees(String what, Runnable impl) {
            y.fill((byte) 0xFF);
            impl.run();
            Agreement.require(what, expected, y, i -> tolerance);
        }

        @TearDown
        public void tearDown() {
            workspace.close();
            attention.close();
            cache.close();
            operands.close();
            callThreads.close();
        }
    }

    /** Per head: s = scale K q (sgemv), p = softmax(s) (attn4j kernels), y = V^T p (sgemv). */
    @State(Scope.Benchmark)
    public static class Blas {
        FloatPointer[] kHead = new FloatPointer[H];
        FloatPointer[] vHead = new FloatPointer[H];
        FloatPointer[] qHead = new FloatPointer[H];
        FloatPointer[] yHead = new FloatPointer[H];
        FloatPointer s;
        MemorySegment scores;
        Kernels kernels;
        FloatPointer y;
        private SeededSegments operands;

        @Setup
        public void setUp(Inputs in) {
            operands = new SeededSegments();
            scores = operands.allocate(in.cached);
            s = OpenBlas.pointer(scores);
            kernels = Attn4j.vectorKernels();
            OpenBlas.useThreads(in.threads);
            long head = (long) in.cached * D * Float.BYTES;
            for (int h = 0; h < H; h++) {
                kHead[h] = OpenBlas.pointer(in.keys.segment().asSlice(h * head, head));
                vHead[h] = OpenBlas.pointer(in.values.segment().asSlice(h * head, head));
                qHead[h] = OpenBlas.pointer(in.q.asSlice((long) h * D * Float.BYTES, (long) D * Float.BYTES));
                yHead[h] = OpenBlas.pointer(in.y.asSlice((long) h * D * Float.BYTES, (long) D * Float.BYTES));
            }
            y = OpenBlas.pointer(in.y);
            in.requireAgrees("OpenBLAS sgemv composition", () -> run(in));
        }

        void run(Inputs in) {
            int t = in.cached;
            for (int h = 0; h < H; h++) {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, t, D, in.scale, kHead[h], D, qHead[h], 1, 0f, s, 1);
                kernels.softmaxRows(1, t, 1f, scores, 0, t, null, scores, 0, t);
                cblas_sgemv(CblasRowMajor, CblasTrans, t, D, 1f, vHead[h], D, s, 1, 0f, yHead[h], 1);
            }
        }

        @TearDown
        public void tearDown() {
            operands.close();
        }
    }

    /** ONNX Runtime's attention graph with the 32 heads as its batch, over the cache's own memory. */
    @State(Scope.Benchmark)
    public static class Ort {
        OnnxModel model;
        private SeededSegments operands;

        @Setup
        public void setUp(Inputs in) throws OrtException {
            operands = new SeededSegments();
            MemorySegment scale = operands.allocate(1);
            scale.set(ValueLayout.JAVA_FLOAT, 0, in.scale);
            model = new OnnxModel("attention.onnx", in.threads)
                    .input("Q", in.q, H, 1, D)
                    .input("K", in.keys.segment(), H, in.cached, D)
                    .input("V", in.values.segment(), H, in.cached, D)
                    .input("scale", scale, 1)
                    .output("Y", in.y, H, 1, D);
            in.requireAgrees("ONNX Runtime attention graph", model.asRunnable());
        }

        @TearDown
        public void tearDown() throws OrtException {
            model.close();
            operands.close();
        }
    }

    @Benchmark
    public MemorySegment decode_attn4j(Inputs in) {
        in.cache.attend(in.qt, in.scale, in.workspace, in.callThreads.executor(), in.yt);
        return in.y;
    }

    @Benchmark
    public MemorySegment decode_reference(Inputs in) {
        in.attention.attendReference(in.qt, in.keys, in.values, null, in.workspace, null, in.yt, null);
        return in.y;
    }

    @Benchmark
    public FloatPointer decode_openblas(Inputs in, Blas blas) {
        blas.run(in);
        return blas.y;
    }

    @Benchmark
    public MemorySegment decode_onnxruntime(Inputs in, Ort ort) throws OrtException {
        ort.model.run();
        return in.y;
    }

    /**
     * Reads every key and value once (a vector sum, four accumulators), in {@code threads} parts
     * per segment on as many threads: the bandwidth bound.
     */
    @Benchmark
    public float decode_memoryread(Inputs in) {
        Parallel.forEach(in.callThreads.executor(), in.readParts.length, in.readPart);
        float total = 0f;
        for (float partial : in.partSums) {
            total += partial;
        }
        return total;
    }
}
