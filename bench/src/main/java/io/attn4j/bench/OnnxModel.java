package io.attn4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * One ONNX Runtime session over a model bundled with the benchmarks (made by the scripts in
 * {@code bench/scripts}) or built in memory, run on one thread unless asked for more. Inputs and the output are tensors
 * over the caller's segments, so a run reads and writes the same memory as the other
 * implementations and allocates no tensor data.
 */
final class OnnxModel implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new HashMap<>();
    private final Map<String, OnnxTensor> outputs = new HashMap<>();

    /** Opens {@code resource} (e.g. {@code "matmul.onnx"}) with one intra-op and one inter-op thread. */
    OnnxModel(String resource) throws OrtException {
        this(read(resource), 1);
    }

    /**
     * Opens {@code resource} with {@code threads} intra-op threads (the calling thread counts as
     * one of them) and one inter-op thread: the nodes run one after the other, each split over
     * {@code threads} threads.
     */
    OnnxModel(String resource, int threads) throws OrtException {
        this(read(resource), threads);
    }

    /** Opens a model given as ONNX protobuf bytes (e.g. from {@link OnnxRecurrentModel}), on one thread. */
    OnnxModel(byte[] model) throws OrtException {
        this(model, 1);
    }

    private OnnxModel(byte[] model, int threads) throws OrtException {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        session = env.createSession(model, options);
    }

    /** Binds input {@code name} to {@code segment}, read as a float tensor of {@code shape}. */
    OnnxModel input(String name, MemorySegment segment, long... shape) throws OrtException {
        inputs.put(name, tensor(segment, shape));
        return this;
    }

    /** Binds input {@code name} to {@code segment}, read as an int64 tensor of {@code shape} (e.g. lengths). */
    OnnxModel longInput(String name, MemorySegment segment, long... shape) throws OrtException {
        inputs.put(name,
                OnnxTensor.createTensor(env, segment.asByteBuffer().order(ByteOrder.nativeOrder()).asLongBuffer(),
                        shape));
        return this;
    }

    /** Binds output {@code name} to {@code segment}: runs write their result there. */
    OnnxModel output(String name, MemorySegment segment, long... shape) throws OrtException {
        outputs.put(name, tensor(segment, shape));
        return this;
    }

    /** Runs the model once; the result is in the output segment. */
    void run() throws OrtException {
        // The result owns nothing here (the output is pinned to our tensor), so closing it frees
        // only its Java wrapper.
        session.run(inputs, outputs).close();
    }

    /** {@link #run} as a {@link Runnable}, for the agreement check; a failed run is an IllegalStateException. */
    Runnable asRunnable() {
        return () -> {
            try {
                run();
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime run failed", e);
            }
        };
    }

    /** The ONNX Runtime version, for the report. */
    static String version() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    @Override
    public void close() throws OrtException {
        for (OnnxTensor t : inputs.values()) {
            t.close();
        }
        for (OnnxTensor t : outputs.values()) {
            t.close();
        }
        session.close();
        options.close();
    }

    private OnnxTensor tensor(MemorySegment segment, long... shape) throws OrtException {
        // A direct buffer in native order is wrapped, not copied.
        return OnnxTensor.createTensor(env, segment.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer(),
                shape);
    }

    private static byte[] read(String resource) {
        try (InputStream in = OnnxModel.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("model " + resource + " is missing from the benchmarks jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading model " + resource, e);
        }
    }
}
