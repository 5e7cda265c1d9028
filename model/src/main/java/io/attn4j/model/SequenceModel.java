package io.attn4j.model;

import io.attn4j.attention.Attention;
import io.attn4j.cells.RecurrentNetwork;
import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.graph.Graph;
import io.attn4j.model.keras.KerasModels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A whole sequence model: a Keras model loaded from its {@code .keras} or {@code .h5} file (run as
 * a layer graph with Keras' mask semantics, see {@link #load(Path)} and {@link #layerTable()}), or
 * the pipeline below that a {@link ModelConfig} describes.
 *
 * <p>The pipeline, {@code encoder -> attention -> pooling -> dense head}, as a
 * {@link ModelConfig} describes it, e.g. the seed classifier
 * {@code LSTM(32 -> 64) -> scaled-dot self-attention (padding mask) -> masked mean -> Linear(64 -> 1) + sigmoid}.
 *
 * <h2>Computation, per batch entry b with L = lengths[b] valid steps</h2>
 * <pre>
 *   enc     [B, T, Hout]   = encoder(x)                  (RNN/LSTM/GRU, PyTorch semantics; 0 at t >= L)
 *   context [B, T, Hout]   = attention(enc, enc, enc)    (self or multi-head; keys t >= L masked)
 *   pooled  [B, Hout]      = mean | last | max over t &lt; L of context (or of enc without attention),
 *                            or, for attention pooling, attention(query, enc, enc) (keys t >= L masked)
 *   logits  [B, out]       = head layers: y = act(y W^T + b), logits the last layer before its activation
 *   output  [B, out]       = act(logits)
 * </pre>
 * Steps at or past a sequence's length never influence the result (they may hold anything, even
 * NaN). Query rows of the self-attention at padded steps are computed (over the valid keys, as
 * PyTorch does) but never pooled.
 *
 * <p>Error: within {@code 1e-5 * max(1, max|expected|)} of PyTorch on the golden seed model; the
 * parts' bounds are in {@link RecurrentNetwork}, {@link Attention} and the engine's GEMM.
 *
 * <h2>Memory and threads</h2>
 * {@link #build} copies the weights once into memory the model owns; the model is immutable and
 * any number of threads may use it at once, each through its own {@link Session} (per-thread
 * scratch, zero heap allocation per call in steady state). {@link #sessionBytes} says what a
 * session will hold before it is made. A service that shares one model across request threads is
 * better served by a {@link Predictor}, which pools the sessions and batches the requests.
 *
 * <p>{@link #close()} waits for the calls running on other threads (a {@link Session#predict},
 * {@link Session#context()} or {@link #predict}) to return, then frees the weights: a running
 * call never meets freed memory. A call that starts once closing has begun, and any later use of
 * the model or its sessions, is an {@link IllegalStateException} ("the sequence model is closed").
 * Closing from inside a call of the same thread is not possible (no user code runs inside one).
 */
public final class SequenceModel implements AutoCloseable {
    /** A config model's parts; null for a Keras model. */
    final Pipeline pipeline;
    /** A Keras model's layer graph; null for a model built from a {@link ModelConfig}. */
    final Graph graph;
    private final List<ModelInput> inputs;
    private final String description;
    /** The calls running now; {@link #close()} waits for them. */
    final CallGate calls = new CallGate("the sequence model");

    /** A model over a Keras layer graph. */
    private SequenceModel(Graph graph) {
        this.graph = graph;
        this.pipeline = null;
        this.description = graph.describe();
        List<ModelInput> in = new ArrayList<>();
        for (Graph.Input i : graph.inputs()) {
            ModelInput.Kind kind = switch (i.kind()) {
                case TOKENS -> ModelInput.Kind.TOKENS;
                case PAIRS -> ModelInput.Kind.ATTENTION_MASK;
                default -> ModelInput.Kind.FEATURES;
            };
            in.add(new ModelInput(i.name(), kind, i.features(), i.steps(), i.keySteps(), i.stepsOf(), i.keyStepsOf()));
        }
        this.inputs = List.copyOf(in);
    }

    /** A model over the parts a config describes; its one input is called {@code x}. */
    private SequenceModel(Pipeline pipeline) {
        this.graph = null;
        this.pipeline = pipeline;
        this.description = pipeline.description;
        this.inputs = List.of(new ModelInput("x", ModelInput.Kind.FEATURES, pipeline.config.inputSize(), 0, 0, "x",
                null));
    }

    /**
     * Builds a model: checks every weight the config names against the shape the config implies,
     * then converts the weights once into the model's own memory (the source may be closed after).
     *
     * @throws IllegalArgumentException naming the first tensor that is missing or of the wrong
     *         shape, with the expected and actual shapes; nothing stays allocated
     */
    public static SequenceModel build(ModelConfig config, WeightSource weights) {
        return build(config, weights, KernelProvider.kernels());
    }

    /** As {@link #build(ModelConfig, WeightSource)}, computing with {@code kernels}. */
    public static SequenceModel build(ModelConfig config, WeightSource weights, Kernels kernels) {
        if (config == null || weights == null || kernels == null) {
            throw new IllegalArgumentException("config, weights and kernels must not be null");
        }
        return new SequenceModel(Pipeline.build(config, weights, kernels));
    }

    /**
     * Loads a model from a file, told apart by its first bytes:
     * <ul>
     *   <li>a Keras 3 {@code .keras} archive or a legacy Keras {@code .h5} file, as
     *       {@code model.save(...)} writes them: a {@code Sequential} or {@code Functional} model of
     *       the layers attn4j runs (see the README's table), built as a layer graph with Keras'
     *       mask semantics;</li>
     *   <li>a safetensors weights file and its config: the file's {@code __metadata__} key
     *       {@code "attn4j.config"} (the config's JSON text), else {@code config.json} in the same
     *       directory.</li>
     * </ul>
     * The weights are copied (F16/BF16 widened) into the model; the file is closed before this
     * returns. The model runs on the kernels {@link KernelProvider} chose.
     *
     * @throws MalformedFileException naming the file and the tensor, layer or config key to blame:
     *         a malformed file, no config, a bad config, a layer or option attn4j does not run, a
     *         missing tensor or one of the wrong shape or dtype; nothing stays allocated
     * @throws IOException if a file cannot be read
     */
    public static SequenceModel load(Path file) throws IOException {
        return load(file, KernelProvider.kernels());
    }

    /** As {@link #load(Path)}, running on {@code kernels} (e.g. {@link KernelProvider#scalar()}). */
    public static SequenceModel load(Path file, Kernels kernels) throws IOException {
        if (file == null || kernels == null) {
            throw new IllegalArgumentException("file and kernels must not be null");
        }
        if (KerasModels.isKerasFile(file)) {
            return new SequenceModel(KerasModels.load(file, kernels));
        }
        return ModelFiles.load(file, kernels);
    }

    /**
     * True when {@code file} starts like a Keras model file (a {@code .keras} zip archive or an
     * HDF5 {@code .h5}), which {@link #load} reads as a Keras model; false for anything else (a
     * safetensors file, say). Reads the first bytes only.
     */
    public static boolean isKerasFile(Path file) throws IOException {
        return KerasModels.isKerasFile(file);
    }

    /** The model's config, or null for a Keras model (see {@link #layerTable()}). */
    public ModelConfig config() {
        return pipeline == null ? null : pipeline.config;
    }

    /**
     * The model's inputs in its order (a Keras model's {@code inputs}): name, what each holds,
     * shape. A model built from a config has one, {@code x}. A model with several inputs runs
     * with {@link Session#predict(java.util.Map, java.util.Map)}.
     */
    public List<ModelInput> inputs() {
        return inputs;
    }

    /** Input features per step of the (first) input (1 for a model that takes token ids). */
    public int inputSize() {
        return inputs.getFirst().features();
    }

    /**
     * True when the (first) input is token ids {@code (B, T)} (I32 or I64, a Keras
     * {@code Embedding} input), false when it is float features {@code (B, T, inputSize)} (F32).
     */
    public boolean takesTokens() {
        return inputs.getFirst().kind() == ModelInput.Kind.TOKENS;
    }

    /** The number of steps the (first) input must have (a Keras {@code Input((T, F))}), or 0 for any. */
    public int fixedSteps() {
        return inputs.getFirst().steps();
    }

    /**
     * True when the output keeps the time axis: {@link Session#predict} returns
     * {@code (B, T, outputSize)}, 0 at padded steps; false when it returns {@code (B, outputSize)}.
     */
    public boolean perStep() {
        return graph != null && graph.perStep();
    }

    /** Outputs per sequence, or per step when {@link #perStep()} (the last layer's width). */
    public int outputSize() {
        return graph != null ? graph.outputSize() : pipeline.outputSize();
    }

    /**
     * One line saying what the model computes, e.g. {@code LSTM(32 -> 64, 1 layer) -> ... -> Linear(64 -> 1) + sigmoid}
     * or, for a Keras model, its layers in order and its output shape.
     */
    public String describe() {
        return description;
    }

    /**
     * A Keras model's layers, one line each: name, class, options, inputs, output shape, weights,
     * what happens to the Keras mask there and what attn4j runs; for other models
     * {@link #describe()}.
     */
    public String layerTable() {
        if (graph == null) {
            return description;
        }
        StringBuilder sb = new StringBuilder();
        for (Graph.LayerRow r : graph.layers()) {
            sb.append(r.name()).append(" (").append(r.className()).append(")");
            if (!r.options().isEmpty()) {
                sb.append(" [").append(r.options()).append(']');
            }
            sb.append('\n');
            if (!r.inputs().isEmpty()) {
                sb.append("    input:   ").append(r.inputs()).append('\n');
            }
            sb.append("    output:  ").append(r.outputShape()).append('\n');
            if (!r.weights().isEmpty()) {
                sb.append("    weights: ").append(r.weights()).append('\n');
            }
            if (!r.mask().isEmpty()) {
                sb.append("    mask:    ").append(r.mask()).append('\n');
            }
            if (!r.runs().isEmpty()) {
                sb.append("    runs:    ").append(r.runs()).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * The most off-heap memory a session for {@code (maxBatch, maxSeq)} holds, in bytes, computed
     * without allocating anything: its buffers, the encoder's workspace and an upper bound on the
     * attention's scratch (which grows to what the largest call needs). A session's
     * {@link Session#byteSize()} never exceeds it. For a Keras model, the layer graph's buffers,
     * recurrent workspaces and attention projections exactly, and each attention layer's scratch
     * bounded ({@link Graph#sessionBytes}).
     *
     * @param keepAttentionWeights as for {@link #newSession(int, int, boolean)}; a Keras model's
     *          sessions keep none, and ignore it
     * @throws IllegalArgumentException unless both limits are >= 1, or if such a session is too
     *         large to make (the message says why), as {@link #newSession} would
     */
    public long sessionBytes(int maxBatch, int maxSeq, boolean keepAttentionWeights) {
        if (graph != null) {
            return graph.sessionBytes(maxBatch, maxSeq);
        }
        return SessionMemory.bytes(pipeline, maxBatch, maxSeq, keepAttentionWeights);
    }

    /**
     * A session for calls of up to {@code maxBatch} sequences of up to {@code maxSeq} steps, not
     * keeping attention weights.
     */
    public Session newSession(int maxBatch, int maxSeq) {
        return newSession(maxBatch, maxSeq, false);
    }

    /**
     * A session for calls of up to {@code maxBatch} sequences of up to {@code maxSeq} steps.
     *
     * @param keepAttentionWeights whether calls materialize the attention weights, readable through
     *        {@link Session#attentionWeights()} (this takes the reference attention path, with
     *        {@code maxBatch * maxSeq * maxSeq} floats of memory)
     * @throws IllegalArgumentException unless both limits are >= 1, or if the session's arrays
     *         would be too large for the kernels to index (their sizes are checked before
     *         anything is allocated: see {@link #sessionBytes})
     * @throws IllegalStateException if the model is closed
     */
    public Session newSession(int maxBatch, int maxSeq, boolean keepAttentionWeights) {
        requireOpen();
        return new Session(this, maxBatch, maxSeq, keepAttentionWeights);
    }

    /**
     * Predicts a list of variable-length sequences, no padding needed: {@code sequences[i]} is
     * {@code [steps_i][inputSize]} with {@code steps_i >= 1}. Allocates a session and its buffers
     * for this one call: for repeated calls use a {@link Session}.
     *
     * @return {@code [sequences.length][outputSize]}
     * @throws IllegalArgumentException naming the sequence and step of a ragged or empty input, or
     *         the position of a NaN or infinite value
     */
    public float[][] predict(float[][][] sequences) {
        requireOpen();
        requireFloatPooled();
        if (sequences == null || sequences.length == 0) {
            throw new IllegalArgumentException("no sequences given");
        }
        int[] lengths = new int[sequences.length];
        int maxLen = 0;
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i] == null || sequences[i].length == 0) {
                throw new IllegalArgumentException(
                        "sequences[" + i + "] is empty: a prediction needs at least one step");
            }
            lengths[i] = sequences[i].length;
            maxLen = Math.max(maxLen, lengths[i]);
        }
        return predictPadded(sequences, lengths, maxLen, "sequences");
    }

    /**
     * Predicts a padded batch: {@code batch[b]} holds {@code T} steps of {@code inputSize} features
     * (the same {@code T} for every b), of which the first {@code lengths[b]} are valid; the rest is
     * ignored. Allocates a session for this one call.
     *
     * @param lengths one per sequence in {@code [1, T]}, or null for all {@code T}
     * @return {@code [batch.length][outputSize]}
     */
    public float[][] predict(float[][][] batch, int[] lengths) {
        requireOpen();
        requireFloatPooled();
        if (batch == null || batch.length == 0 || batch[0] == null || batch[0].length == 0) {
            throw new IllegalArgumentException("batch is empty");
        }
        int seq = batch[0].length;
        for (int b = 0; b < batch.length; b++) {
            if (batch[b] == null || batch[b].length != seq) {
                throw new IllegalArgumentException("batch[" + b + "] has " + (batch[b] == null ? 0 : batch[b].length)
                        + " steps, batch[0] has " + seq + ": a padded batch is rectangular");
            }
        }
        int[] lens = lengths;
        if (lens == null) {
            lens = new int[batch.length];
            Arrays.fill(lens, seq);
        }
        return predictPadded(batch, lens, seq, "batch");
    }

    private void requireFloatPooled() {
        if (inputs.size() > 1) {
            throw new IllegalStateException("this model has " + inputs.size() + " inputs: use a Session (newSession)"
                    + " and Session.predict(Map, Map)");
        }
        if (takesTokens() || perStep()) {
            throw new IllegalStateException("this model " + (takesTokens() ? "takes token ids" : "predicts per step")
                    + ": use a Session (newSession) and Session.predict(Tensor, int[])");
        }
    }

    private float[][] predictPadded(float[][][] rows, int[] lengths, int seq, String what) {
        int in = inputSize();
        try (Arena scratch = Arena.ofConfined(); Session session = new Session(this, rows.length, seq, false)) {
            Tensor x = Tensor.allocate(scratch, DType.F32, rows.length, seq, in);
            for (int b = 0; b < rows.length; b++) {
                for (int t = 0; t < rows[b].length; t++) {
                    float[] step = rows[b][t];
                    if (step == null || step.length != in) {
                        throw new IllegalArgumentException(what + "[" + b + "][" + t + "] has "
                                + (step == null ? 0 : step.length) + " features, the model takes " + in);
                    }
                    MemorySegment.copy(step, 0, x.segment(),
                            ValueLayout.JAVA_FLOAT_UNALIGNED, ((long) b * seq + t) * in * Float.BYTES, in);
                }
            }
            Tensor y = session.predict(x, lengths);
            float[] flat = y.toFloatArray();
            int out = outputSize();
            float[][] result = new float[rows.length][];
            for (int b = 0; b < rows.length; b++) {
                result[b] = Arrays.copyOfRange(flat, b * out, (b + 1) * out);
            }
            return result;
        }
    }

    boolean isOpen() {
        return !calls.isClosed() && partsOpen();
    }

    private boolean partsOpen() {
        return graph != null ? graph.isOpen() : pipeline.isOpen();
    }

    void requireOpen() {
        if (!isOpen()) {
            throw new IllegalStateException("the sequence model is closed");
        }
    }

    /**
     * Waits for the calls running on other threads to return, then frees the weights (see the
     * class comment). Idempotent; a second concurrent close also returns once the memory is freed.
     */
    @Override
    public synchronized void close() {
        if (!calls.close() || !partsOpen()) {
            return;
        }
        if (graph != null) {
            graph.close();
        } else {
            pipeline.close();
        }
    }
}
