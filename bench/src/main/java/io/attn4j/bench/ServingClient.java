package io.attn4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.Predictor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/**
 * One W9 client thread's way to get a prediction for one sequence {@code float[steps][32]}, the
 * form a request handler holds: what each implementation costs a service, from the request's
 * arrays to the probability.
 */
interface ServingClient extends AutoCloseable {
    /** The probability for one sequence. */
    float call(float[][] sequence) throws Exception;

    /** Frees what this client holds; closing throws nothing, so try-with-resources needs no handler for it. */
    @Override
    default void close() {
    }

    /** Every client shares one {@link Predictor}: dynamic batching over its pool of sessions. */
    static ServingClient predictor(Predictor predictor) {
        return sequence -> predictor.predict(sequence)[0];
    }

    /**
     * A {@link Session} of its own ({@code maxBatch} 1) on a shared model: copies the sequence into
     * its input buffer and runs it at its own length.
     */
    static ServingClient session(SequenceModel model, int maxSeq) {
        Arena arena = Arena.ofShared();
        Session session = model.newSession(1, maxSeq);
        MemorySegment staging = arena.allocate((long) maxSeq * model.inputSize() * Float.BYTES, 64);
        Tensor[] byLength = new Tensor[maxSeq + 1];
        int features = model.inputSize();
        return new ServingClient() {
            @Override
            public float call(float[][] sequence) {
                int steps = sequence.length;
                for (int t = 0; t < steps; t++) {
                    MemorySegment.copy(sequence[t], 0, staging, ValueLayout.JAVA_FLOAT_UNALIGNED,
                            (long) t * features * Float.BYTES, features);
                }
                Tensor x = byLength[steps];
                if (x == null) {
                    x = byLength[steps] = Tensor.wrap(staging, DType.F32, 1, steps, features);
                }
                return session.predict(x, null).get(0, 0);
            }

            @Override
            public void close() {
                session.close();
                arena.close();
            }
        };
    }

    /**
     * A shared ONNX Runtime session (its documented thread-safe use: {@code OrtSession.run} from
     * any number of threads), one intra-op thread per run, with this client's own input buffers
     * wrapped as tensors of the sequence's own length.
     */
    static ServingClient onnxRuntime(OrtSession shared, int maxSeq, int features) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        FloatBuffer x = ByteBuffer.allocateDirect(maxSeq * features * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        LongBuffer lengths = ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
        return sequence -> {
            int steps = sequence.length;
            x.clear();
            for (float[] step : sequence) {
                x.put(step);
            }
            x.flip();
            lengths.clear();
            lengths.put(0, steps);
            try (OnnxTensor input = OnnxTensor.createTensor(env, x, new long[]{1, steps, features});
                    OnnxTensor length = OnnxTensor.createTensor(env, lengths, new long[]{1});
                    OrtSession.Result result = shared.run(Map.of("X", input, "lengths", length))) {
                return ((float[][]) result.get(0).getValue())[0][0];
            }
        };
    }

    /** The shared ONNX Runtime session of the seed classifier, one intra-op thread per run. */
    static OrtSession onnxSession() throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        // the options live as long as the session (the harness's JVM)
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        try (var in = ServingClient.class.getResourceAsStream("seed_classifier.onnx")) {
            if (in == null) {
                throw new IllegalStateException("seed_classifier.onnx is missing from the benchmarks jar");
            }
            return env.createSession(in.readAllBytes(), options);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
