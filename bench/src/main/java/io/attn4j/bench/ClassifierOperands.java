package io.attn4j.bench;

import ai.onnxruntime.OrtException;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;

/**
 * W7 operands: the example classifier ({@code examples/classifier/model.safetensors}, or
 * {@code model.keras}, the same weights saved by Keras, both bundled in the benchmarks jar) loaded
 * by attn4j, the same weights in ONNX Runtime
 * ({@code seed_classifier.onnx}), and one padded batch {@code x [B, T = 100, 32]}, uniform in
 * [-1, 1] from a fixed seed and zero past each length.
 *
 * <p>Lengths: batch 1 is one full sequence of 100 steps (a single request is not padded).
 * Batch 256 has lengths spread evenly over 50..100 ({@code 50 + 37 b mod 51}), the mix a server
 * gets when it pads requests of different lengths to the longest: both implementations then skip
 * the padded steps in the LSTM and mask them in the attention, which a batch of full lengths would
 * not exercise; T stays 100, the longest.
 *
 * <p>Public for the suite's work count ({@code suite.Workloads}): the shape and the lengths.
 */
public final class ClassifierOperands implements AutoCloseable {
    /** T: steps of the padded batch. */
    public static final int STEPS = 100;
    /** Input features per step. */
    public static final int FEATURES = 32;
    /** The LSTM's hidden size, also the attention's and the pooled vector's width ({@code examples/classifier}). */
    public static final int HIDDEN = 64;
    /** The golden cases' agreement rule, 1e-5 of the output's scale (probabilities: scale 1). */
    static final double TOLERANCE = 1e-5;

    final int batch;
    final Tensor x;
    final int[] lengths;
    final OnnxModel onnx;
    final MemorySegment onnxProb;
    private final Arena arena = Arena.ofShared();
    private final SequenceModel model;
    private final Session session;

    ClassifierOperands(int batch) throws IOException, OrtException {
        this(batch, "model.safetensors");
    }

    /** @param modelFile the bundled file attn4j loads: {@code model.safetensors} or {@code model.keras} */
    ClassifierOperands(int batch, String modelFile) throws IOException, OrtException {
        this.batch = batch;
        lengths = lengths(batch);
        SplittableRandom random = new SplittableRandom(0x5EED);
        float[] xs = new float[batch * STEPS * FEATURES];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < lengths[b] * FEATURES; i++) {
                xs[b * STEPS * FEATURES + i] = (float) random.nextDouble(-1, 1);
            }
        }
        x = Tensor.of(arena, xs, batch, STEPS, FEATURES);
        model = load(modelFile);
        session = model.newSession(batch, STEPS);

        MemorySegment lengths64 = arena.allocate((long) batch * Long.BYTES, 64);
        for (int b = 0; b < batch; b++) {
            lengths64.setAtIndex(ValueLayout.JAVA_LONG, b, lengths[b]);
        }
        onnxProb = arena.allocate((long) batch * Float.BYTES, 64);
        onnx = new OnnxModel("seed_classifier.onnx")
                .input("X", x.segment(), batch, STEPS, FEATURES)
                .longInput("lengths", lengths64, batch)
                .output("prob", onnxProb, batch, 1);
    }

    /** The valid length of each sequence of a batch of {@code batch}: see the class comment. */
    public static int[] lengths(int batch) {
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = batch == 1 ? STEPS : 50 + 37 * b % 51;
        }
        return lengths;
    }

    /** attn4j's prob {@code (B, 1)}: a view of the session's buffer. */
    Tensor runAttn4j() {
        return session.predict(x, lengths);
    }

    /**
     * Runs both and requires attn4j's probabilities within {@link #TOLERANCE} of ONNX Runtime's,
     * and the model to have the sizes the public constants say.
     */
    void checkAgreement() throws OrtException {
        onnxProb.fill((byte) 0xFF); // NaN: a run that writes nothing fails
        onnx.run();
        float[] reference = onnxProb.toArray(ValueLayout.JAVA_FLOAT);
        float[] prob = runAttn4j().toFloatArray();
        long hidden = model.config() == null ? HIDDEN : model.config().encoder().outputSize();
        if (model.inputSize() != FEATURES || hidden != HIDDEN || model.perStep() || model.outputSize() != 1) {
            throw new IllegalStateException("the bundled classifier is " + model.describe()
                    + ", the suite counts the work of " + FEATURES + " -> " + HIDDEN + " -> 1");
        }
        Agreement.require("attn4j classifier, batch " + batch, "ONNX Runtime", reference, MemorySegment.ofArray(prob),
                i -> TOLERANCE);
    }

    /** The bundled safetensors classifier (W9 loads it too). */
    static SequenceModel load() throws IOException {
        return load("model.safetensors");
    }

    /** The bundled model, through a temporary file (the model copies its weights at load). */
    private static SequenceModel load(String name) throws IOException {
        Path file = Files.createTempFile("attn4j-classifier", name.substring(name.lastIndexOf('.')));
        try (InputStream in = ClassifierOperands.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the benchmarks jar");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return SequenceModel.load(file);
        } finally {
            Files.delete(file);
        }
    }

    @Override
    public void close() throws OrtException {
        onnx.close();
        session.close();
        model.close();
        arena.close();
    }
}
