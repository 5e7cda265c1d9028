package io.attn4j.bench;

import ai.onnxruntime.OrtException;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
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
 * W2: row-wise softmax {@code Y[r, :] = softmax(X[r, :])} of a rows x cols fp32 matrix with
 * N(0, 1) entries, no mask, scale 1, into a separate output. OpenBLAS and Lucene have no softmax.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SoftmaxBench extends BenchSettings {

    /** The operands, the reference result and the agreement check shared by every implementation. */
    @State(Scope.Benchmark)
    public static class Inputs {
        /** rows x cols. */
        @Param({"2048x2048"})
        public String shape;

        int rows;
        int cols;
        MemorySegment x;
        MemorySegment y;
        Kernels attn4j;
        Kernels scalar;

        private SeededSegments operands;
        private float[] reference;

        @Setup
        public void setUp() {
            int[] d = SeededSegments.dims(shape, 2);
            rows = d[0];
            cols = d[1];
            operands = new SeededSegments();
            x = operands.gaussian((long) rows * cols);
            y = operands.allocate((long) rows * cols);
            attn4j = Attn4j.vectorKernels();
            scalar = KernelProvider.scalar();
            scalar.softmaxRows(rows, cols, 1f, x, 0, cols, null, y, 0, cols);
            reference = y.toArray(ValueLayout.JAVA_FLOAT);
            requireAgrees("attn4j " + attn4j.name(),
                    () -> attn4j.softmaxRows(rows, cols, 1f, x, 0, cols, null, y, 0, cols));
        }

        /**
         * Runs {@code impl} once on a NaN-filled Y and requires every element within
         * {@code (2 (cols + 4) + 16) eps} relative of the reference: the Kernels contract allows
         * {@code (cols + 4) eps} relative for each of the two results, plus up to 8 ulps for
         * each one's exp approximation.
         */
        void requireAgrees(String what, Runnable impl) {
            y.fill((byte) 0xFF); // all-ones bytes are a NaN: an implementation that writes nothing fails
            impl.run();
            double relative = (2.0 * (cols + 4) + 16) * Agreement.EPS;
            Agreement.require(what, reference, y, i -> relative * Math.abs(reference[i]));
        }

        @TearDown
        public void tearDown() {
            operands.close();
        }
    }

    /** ONNX Runtime's Softmax (axis -1) with X and Y bound to the same memory. */
    @State(Scope.Benchmark)
    public static class Ort {
        OnnxModel model;

        @Setup
        public void setUp(Inputs in) throws OrtException {
            model = new OnnxModel("softmax.onnx")
                    .input("X", in.x, in.rows, in.cols)
                    .output("Y", in.y, in.rows, in.cols);
            in.requireAgrees("ONNX Runtime Softmax", model.asRunnable());
        }

        @TearDown
        public void tearDown() throws OrtException {
            model.close();
        }
    }

    @Benchmark
    public MemorySegment softmax_attn4j(Inputs in) {
        in.attn4j.softmaxRows(in.rows, in.cols, 1f, in.x, 0, in.cols, null, in.y, 0, in.cols);
        return in.y;
    }

    @Benchmark
    public MemorySegment softmax_scalar(Inputs in) {
        in.scalar.softmaxRows(in.rows, in.cols, 1f, in.x, 0, in.cols, null, in.y, 0, in.cols);
        return in.y;
    }

    @Benchmark
    public MemorySegment softmax_onnxruntime(Inputs in, Ort ort) throws OrtException {
        ort.model.run();
        return in.y;
    }
}
