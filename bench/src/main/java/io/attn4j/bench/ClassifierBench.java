package io.attn4j.bench;

import ai.onnxruntime.OrtException;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * W7: the example classifier end to end, {@code LSTM(32 -> 64) -> scaled-dot self-attention
 * (padding mask) -> masked mean -> Linear(64, 1) -> sigmoid}, on {@code T = 100} steps of 32
 * features: batch 1 (latency) and batch 256 (throughput), single thread. attn4j's
 * {@link SequenceModel} through a {@link Session}, the same model on the scalar reference kernels,
 * the same weights loaded from the {@code .keras} file Keras saved ({@code classifier_attn4jkeras}:
 * {@code LSTM(64) -> Attention(use_scale) -> GlobalAveragePooling1D -> Dense(1, sigmoid)}, run as
 * a layer graph), and ONNX Runtime (one intra-op thread) on {@code seed_classifier.onnx}, exported
 * with the same weights by {@code bench/scripts/make_seed_classifier_onnx.py}; see
 * {@link ClassifierOperands}.
 *
 * <p>Mode {@code SampleTime}: JMH times calls one by one, so the report has the median and 99th
 * percentile of the call time beside the mean (and sequences per second from the mean).
 *
 * <p>The scalar reference runs in a fork started with {@code -Dattn4j.simd=false}, since a model
 * takes its kernels from the provider, chosen once per JVM.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// Twice the suite's warm-up: at batch 1 a call runs each kernel only a few times, and on a loaded
// machine C2 may compile the GEMM micro-kernel late; percentiles taken before measure the JIT.
@Warmup(iterations = 10, time = 2)
// Three forks: on some machines a call settles, per process, at one of two speeds
// (docs/performance-notes.md), so one fork per row could compare the two by chance.
@Fork(3)
public class ClassifierBench extends BenchSettings {

    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"1", "256"})
        public int batch;

        ClassifierOperands operands;

        @Setup
        public void setUp(BenchmarkParams params) throws IOException, OrtException {
            boolean scalar = params.getBenchmark().endsWith("_scalar");
            if (scalar && !KernelProvider.choice().kernels().name().startsWith("scalar")) {
                throw new IllegalStateException("the scalar fork runs on " + KernelProvider.choice().kernels().name());
            }
            if (!scalar) {
                Attn4j.vectorKernels();
            }
            operands = new ClassifierOperands(batch,
                    params.getBenchmark().endsWith("_attn4jkeras") ? "model.keras" : "model.safetensors");
            operands.checkAgreement();
        }

        @TearDown
        public void tearDown() throws OrtException {
            operands.close();
        }
    }

    @Benchmark
    public Tensor classifier_attn4j(Inputs in) {
        return in.operands.runAttn4j();
    }

    @Benchmark
    public Tensor classifier_attn4jkeras(Inputs in) {
        return in.operands.runAttn4j();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dattn4j.simd=false")
    public Tensor classifier_scalar(Inputs in) {
        return in.operands.runAttn4j();
    }

    @Benchmark
    public Object classifier_onnxruntime(Inputs in) throws OrtException {
        in.operands.onnx.run();
        return in.operands.onnxProb;
    }
}
