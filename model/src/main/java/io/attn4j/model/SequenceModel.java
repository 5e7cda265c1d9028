package io.attn4j.model;

import io.attn4j.attention.Attention;
import io.attn4j.attention.MultiHeadAttention;
import io.attn4j.attention.ScoreFunction;
import io.attn4j.cells.RecurrentNetwork;
import io.attn4j.cells.RecurrentSpec;
import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.ModelConfig.Encoder;
import io.attn4j.model.ModelConfig.Layout;
import io.attn4j.model.ModelConfig.MultiHead;
import io.attn4j.model.ModelConfig.PoolingAttention;
import io.attn4j.model.ModelConfig.Score;
import io.attn4j.model.ModelConfig.SelfAttention;
import io.attn4j.model.graph.Graph;
import io.attn4j.model.keras.KerasModels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    final ModelConfig config;
    /** What the model's parts were built with, and the same kernels without argument checks, for the session's own math. */
    final Kernels kernels;
    final Kernels compute;
    final RecurrentNetwork encoder;
    /** Self-attention or attention pooling; null otherwise. */
    final Attention attention;
    final MultiHeadAttention multiHead;
    final Arena arena;
    /** The pooling query {@code (Hout)}, or null. */
    final Tensor query;
    final Tensor[] headWeight;
    /** Per layer: {@code (out)} or null. */
    final Tensor[] headBias;
    final int[] headIn;
    final int[] headOut;
    /** A Keras model's layer graph; null for a model built from a {@link ModelConfig}. */
    final Graph graph;
    /** The additive score's hidden size ({@code W1.weight}'s rows); 0 for the other scores and Keras models. */
    final int scoreHidden;
    /** The calls running now; {@link #close()} waits for them. */
    final CallGate calls = new CallGate("the sequence model");
    private final String description;

    /** A model over a Keras layer graph (the other parts stay null). */
    private SequenceModel(Graph graph) {
        this.graph = graph;
        this.kernels = graph.kernels();
        this.compute = null;
        this.config = null;
        this.encoder = null;
        this.attention = null;
        this.multiHead = null;
        this.arena = null;
        this.query = null;
        this.headWeight = null;
        this.headBias = null;
        this.headIn = null;
        this.headOut = null;
        this.scoreHidden = 0;
        this.description = graph.describe();
    }

    private SequenceModel(ModelConfig config, ModelWeights plan, WeightSource source, Kernels kernels,
            List<AutoCloseable> built) {
        this.graph = null;
        this.config = config;
        this.kernels = kernels;
        this.compute = Backend.of(kernels).kernels();
        this.arena = Arena.ofShared();
        built.add(arena);
        Encoder enc = config.encoder();
        RecurrentSpec spec = new RecurrentSpec(enc.cell(), config.inputSize(), enc.hiddenSize(), enc.numLayers(),
                enc.bidirectional());
        Map<String, Tensor> encoderWeights = new LinkedHashMap<>();
        for (String name : plan.encoderNames()) {
            encoderWeights.put(name, source.f32(name));
        }
        encoder = enc.layout() == Layout.PYTORCH
                ? RecurrentNetwork.fromPyTorch(spec, encoderWeights, enc.prefix(), kernels)
                : RecurrentNetwork.fromKeras(spec, encoderWeights, enc.prefix(), kernels);
        built.add(encoder);
        switch (config.attention()) {
            case SelfAttention s -> {
                attention = Attention.of(score(s.score(), source), kernels);
                multiHead = null;
                query = null;
            }
            case PoolingAttention p -> {
                attention = Attention.of(score(p.score(), source), kernels);
                multiHead = null;
                query = copy(source, p.query());
            }
            case MultiHead m -> {
                attention = null;
                multiHead = MultiHeadAttention.fromPyTorch(m.numHeads(), source.f32(m.prefix() + "in_proj_weight"),
                        optional(source, m.prefix() + "in_proj_bias"), source.f32(m.prefix() + "out_proj.weight"),
                        optional(source, m.prefix() + "out_proj.bias"), kernels);
                query = null;
            }
            case null -> {
                attention = null;
                multiHead = null;
                query = null;
            }
        }
        if (attention != null) {
            built.add(attention);
        }
        if (multiHead != null) {
            built.add(multiHead);
        }
        int layers = config.head().size();
        headWeight = new Tensor[layers];
        headBias = new Tensor[layers];
        for (int i = 0; i < layers; i++) {
            ModelConfig.Dense d = config.head().get(i);
            headWeight[i] = copy(source, d.weight());
            headBias[i] = d.bias() == null ? null : copy(source, d.bias());
        }
        headIn = plan.headIn;
        headOut = plan.headOut;
        scoreHidden = switch (config.attention()) {
            case SelfAttention a when a.score().kind() == ModelConfig.ScoreKind.ADDITIVE ->
                (int) source.shape(a.score().prefix() + "W1.weight")[0];
            case PoolingAttention a when a.score().kind() == ModelConfig.ScoreKind.ADDITIVE ->
                (int) source.shape(a.score().prefix() + "W1.weight")[0];
            case null, default -> 0;
        };
        description = config.describe(name -> source.contains(name) ? source.shape(name) : null);
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
        ModelWeights plan = new ModelWeights(config, weights);
        List<AutoCloseable> built = new ArrayList<>();
        try {
            return new SequenceModel(config, plan, weights, kernels, built);
        } catch (RuntimeException e) {
            closeAll(built, e);
            throw e;
        }
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

    private ScoreFunction score(Score s, WeightSource source) {
        String p = s.prefix();
        return switch (s.kind()) {
            case DOT -> ScoreFunction.dot();
            case SCALED_DOT -> s.scale() == null ? ScoreFunction.scaledDot() : ScoreFunction.scaledDot(s.scale());
            case GENERAL -> ScoreFunction.general(source.f32(p + "W.weight"));
            case ADDITIVE -> ScoreFunction.additive(source.f32(p + "W1.weight"), source.f32(p + "W2.weight"),
                    source.f32(p + "W2.bias"), source.f32(p + "v.weight"));
            case COSINE -> s.temperature() == null ? ScoreFunction.cosine() : ScoreFunction.cosine(s.temperature());
        };
    }

    private Tensor copy(WeightSource source, String name) {
        Tensor t = source.f32(name);
        return Tensor.of(arena, t.toFloatArray(), t.shape());
    }

    private static Tensor optional(WeightSource source, String name) {
        return source.contains(name) ? source.f32(name) : null;
    }

    private static void closeAll(List<AutoCloseable> built, Exception cause) {
        for (int i = built.size() - 1; i >= 0; i--) {
            try {
                built.get(i).close();
            } catch (Exception suppressed) {
                cause.addSuppressed(suppressed);
            }
        }
    }

    /** The model's config, or null for a Keras model (see {@link #layerTable()}). */
    public ModelConfig config() {
        return config;
    }

    /** Input features per step (1 for a model that takes token ids). */
    public int inputSize() {
        return graph != null ? graph.inputFeatures() : config.inputSize();
    }

    /**
     * True when the model takes token ids {@code (B, T)} (I32 or I64, a Keras {@code Embedding}
     * input), false when it takes float features {@code (B, T, inputSize)} (F32).
     */
    public boolean takesTokens() {
        return graph != null && graph.takesTokens();
    }

    /** The number of steps every input must have (a Keras {@code Input((T, F))}), or 0 for any. */
    public int fixedSteps() {
        return graph != null ? graph.fixedSteps() : 0;
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
        return graph != null ? graph.outputSize() : headOut[headOut.length - 1];
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
     * {@link Session#byteSize()} never exceeds it.
     *
     * @param keepAttentionWeights as for {@link #newSession(int, int, boolean)}
     * @throws IllegalArgumentException unless both limits are >= 1, or if such a session is too
     *         large to make (the message says why), as {@link #newSession} would
     * @throws UnsupportedOperationException for a Keras model (its layer graph's sessions are not
     *         counted ahead)
     */
    public long sessionBytes(int maxBatch, int maxSeq, boolean keepAttentionWeights) {
        if (graph != null) {
            throw new UnsupportedOperationException("a Keras model's session memory is not computed ahead");
        }
        return SessionMemory.bytes(this, maxBatch, maxSeq, keepAttentionWeights);
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
        return !calls.isClosed() && (graph != null ? graph.isOpen() : arena.scope().isAlive());
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
        if (!calls.close() || !(graph != null ? graph.isOpen() : arena.scope().isAlive())) {
            return;
        }
        if (graph != null) {
            graph.close();
            return;
        }
        arena.close();
        encoder.close();
        if (attention != null) {
            attention.close();
        }
        if (multiHead != null) {
            multiHead.close();
        }
    }
}
