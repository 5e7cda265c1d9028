package io.attn4j.model;

import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.graph.GraphSession;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One thread's workspace for a {@link SequenceModel}: every buffer a call needs, allocated once for
 * {@code (maxBatch, maxSeq)} and reused, so steady-state calls allocate nothing on the Java heap or
 * off it. (The attention's own scratch grows during the first calls to what the largest shape
 * seen needs, at most what {@code (maxBatch, maxSeq)} needs; the small view objects are made again
 * only when a call's shape differs from the previous call's.)
 *
 * <p>A model with one input runs with {@link #predict(Tensor, int[])}; a model with several (a
 * Keras model with an attention mask input, or with a query and a memory of their own steps)
 * with {@link #predict(Map, Map)}, its inputs by name ({@link SequenceModel#inputs()}).
 *
 * <p>Results are views of this session's buffers, valid until the next call on this session (or
 * its closing): copy what must outlive it. Not thread-safe: one session serves one thread at a
 * time; the model itself is shared.
 */
public final class Session implements AutoCloseable {
    /**
     * The padded length from which a config model's row does not depend on {@code T}: the fused
     * attention computes a call of at most 4 query rows with a kernel of its own, whose sums are
     * ordered differently from the tiled product's. {@link Predictor} pads its batches to it.
     */
    static final int ROW_INVARIANT_STEPS = 5;

    private final SequenceModel model;
    /** A Keras model's session, or null. */
    private final GraphSession graph;
    /** A config model's session, or null. */
    private final PipelineSession pipeline;
    private final String[] names;
    /** {@link #predict(Map, Map)}'s arguments in the model's input order, cleared after each call. */
    private final Tensor[] given;
    private final int[][] givenLengths;

    Session(SequenceModel model, int maxBatch, int maxSeq, boolean keepWeights) {
        this.model = model;
        List<ModelInput> inputs = model.inputs();
        this.names = new String[inputs.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = inputs.get(i).name();
        }
        this.given = new Tensor[names.length];
        this.givenLengths = new int[names.length][];
        if (model.graph != null) {
            this.graph = model.graph.newSession(maxBatch, maxSeq);
            this.pipeline = null;
        } else {
            this.graph = null;
            this.pipeline = new PipelineSession(model.pipeline, maxBatch, maxSeq, keepWeights);
        }
    }

    /** Largest batch a call may use. */
    public int maxBatch() {
        return graph != null ? graph.maxBatch() : pipeline.maxBatch();
    }

    /** Longest sequence a call may use. */
    public int maxSeq() {
        return graph != null ? graph.maxSeq() : pipeline.maxSeq();
    }

    /**
     * Runs a model that has one input on a batch.
     *
     * <p>Sequence b is {@code x[b, :lengths[b]]}: its result is what the model computes on that
     * sequence alone, bit for bit whatever the other rows hold. For a Keras model a mask from
     * {@code Masking} or {@code Embedding(mask_zero=True)} then applies within each sequence as
     * Keras applies it (so Keras-style pre-padded data runs as it is, with null lengths).
     *
     * @param x {@code (B, T, inputSize)} F32, or token ids {@code (B, T)} I32 or I64 when
     *          {@link SequenceModel#takesTokens()}; contiguous, {@code 1 <= B <= maxBatch},
     *          {@code 1 <= T <= maxSeq} ({@code T} the model's {@link SequenceModel#fixedSteps()}
     *          when it has them); not modified. Steps at or past a sequence's length are never
     *          read for the result (they may hold anything, even NaN).
     * @param lengths {@code B} valid lengths in {@code [1, T]}, any order (not modified), or null
     *          for all {@code T}
     * @return the model's output {@code (B, outputSize)}, or {@code (B, T, outputSize)} when
     *         {@link SequenceModel#perStep()} (0 at steps past a length and where the output's
     *         Keras mask is false): a view of this session's buffer, valid until the next call on
     *         this session
     * @throws IllegalArgumentException on a wrong shape, dtype, layout or length, a NaN or
     *         infinite value in a valid step (naming batch entry, step and feature), a token
     *         outside an embedding's range, or a model with several inputs; nothing is computed
     *         then
     * @throws IllegalStateException if the session, the model or x's memory is closed
     */
    public Tensor predict(Tensor x, int[] lengths) {
        return predict(x, lengths, true);
    }

    /**
     * As {@link #predict(Tensor, int[])}; {@code checkValues} false skips a config model's scan for
     * NaN and infinities, for a caller that has checked every valid value itself
     * ({@link Predictor} checks each request before queueing it).
     */
    Tensor predict(Tensor x, int[] lengths, boolean checkValues) {
        model.calls.enter();
        try {
            return graph != null ? graph.predict(x, lengths) : pipeline.predict(x, lengths, checkValues);
        } finally {
            model.calls.exit();
        }
    }

    /**
     * Runs the model on a batch of all its inputs, given by name ({@link SequenceModel#inputs()};
     * a model with one input takes it under its name too).
     *
     * <p><b>Lengths</b> are per sequence input: sequence b of input {@code n} is
     * {@code inputs.get(n)[b, :lengths.get(n)[b]]}, and row b's result is what the model computes
     * on those sequences alone (Keras' prediction on them), whatever the other rows and whatever
     * row b holds past its lengths. An input without lengths is whole. An attention mask input
     * {@code (B, Tq, Tk)} takes no lengths of its own: it is cut to {@code [:Lq, :Lk]} by the
     * lengths of the inputs whose steps its rows and columns follow ({@link ModelInput#stepsOf()},
     * {@link ModelInput#keyStepsOf()}). Two inputs whose steps the model makes equal take the
     * same lengths (give them for one of them, or the same for both). A per-step output follows
     * the lengths of the input whose steps it keeps.
     *
     * @param inputs one tensor per input of the model, by name; each as
     *          {@link ModelInput#kind()} says: F32 features {@code (B, T, features)}, token ids
     *          {@code (B, T)} I32 or I64, an attention mask {@code (B, Tq, Tk)} BOOL (I8, I32, I64
     *          and F32 read as non-zero = true); one {@code B} for all, {@code 1 <= B <= maxBatch},
     *          every steps in {@code [1, maxSeq]}; contiguous; not modified
     * @param lengths per sequence input (by name), its {@code B} lengths in {@code [1, T]}; or null
     *          (every step of every input)
     * @return the model's output, as {@link #predict(Tensor, int[])} says
     * @throws IllegalArgumentException naming the input: one missing or unknown, a wrong shape,
     *         dtype, layout or length, steps that differ where the model needs them equal,
     *         lengths for an attention mask, a NaN or infinite value in a valid step, a token
     *         outside an embedding's range; nothing is computed then
     * @throws IllegalStateException if the session, the model or an input's memory is closed
     */
    public Tensor predict(Map<String, Tensor> inputs, Map<String, int[]> lengths) {
        if (inputs == null) {
            throw new IllegalArgumentException("inputs is null");
        }
        int lengthsFound = 0;
        for (int i = 0; i < names.length; i++) {
            given[i] = inputs.get(names[i]);
            if (given[i] == null) {
                Arrays.fill(given, null);
                throw new IllegalArgumentException("input '" + names[i] + "' is missing: the model takes "
                        + String.join(", ", names));
            }
            if (lengths != null && lengths.containsKey(names[i])) {
                givenLengths[i] = lengths.get(names[i]);
                lengthsFound++;
            }
        }
        try {
            if (inputs.size() != names.length) {
                throw new IllegalArgumentException("inputs " + unknown(inputs) + " are not inputs of the model,"
                        + " which takes " + String.join(", ", names));
            }
            if (lengths != null && lengthsFound != lengths.size()) {
                throw new IllegalArgumentException("lengths for " + unknown(lengths) + ", which are not inputs of"
                        + " the model (it takes " + String.join(", ", names) + ")");
            }
            model.calls.enter();
            try {
                return graph != null
                        ? graph.predict(given, givenLengths)
                        : pipeline.predict(given[0], givenLengths[0], true);
            } finally {
                model.calls.exit();
            }
        } finally {
            Arrays.fill(given, null);
            Arrays.fill(givenLengths, null);
        }
    }

    /** The keys of {@code map} that name no input, for a message. */
    private String unknown(Map<String, ?> map) {
        List<String> known = List.of(names);
        return map.keySet().stream().filter(k -> !known.contains(k)).map(k -> "'" + k + "'").toList().toString();
    }

    /**
     * The encoder's output {@code (B, T, Hout)} of the last call (0 at padded steps).
     *
     * @throws IllegalStateException before the first call, or for a Keras model (whose session
     *         keeps no pipeline intermediates: its output is what predict returned)
     */
    public Tensor encoderOutput() {
        return pipeline().encoderOutput();
    }

    /**
     * The attention weights of the last call: {@code (B, T, T)} for self- and multi-head attention
     * (averaged over heads), {@code (B, 1, T)} for attention pooling; null when the model has no
     * attention or this session does not keep them.
     *
     * @throws IllegalStateException as {@link #encoderOutput()}
     */
    public Tensor attentionWeights() {
        return pipeline().attentionWeights();
    }

    /**
     * The attention's output of the last call: {@code (B, T, Hout)} for self- and multi-head
     * attention, {@code (B, 1, Hout)} for attention pooling (the pooled vector); null without attention.
     * A self-attention model with mean pooling whose session does not keep the weights pools
     * without the context ({@link io.attn4j.attention.Attention#attendMean}); the first call of
     * this method after such a call computes it, from the same inputs and mask.
     *
     * @throws IllegalStateException as {@link #encoderOutput()}
     */
    public Tensor context() {
        PipelineSession p = pipeline();
        model.calls.enter();
        try {
            return p.context();
        } finally {
            model.calls.exit();
        }
    }

    /**
     * The pooled vector {@code (B, Hout)} of the last call.
     *
     * @throws IllegalStateException as {@link #encoderOutput()}
     */
    public Tensor pooled() {
        return pipeline().pooled();
    }

    /**
     * The last dense layer's output before its activation {@code (B, out)}, of the last call.
     *
     * @throws IllegalStateException as {@link #encoderOutput()}
     */
    public Tensor logits() {
        return pipeline().logits();
    }

    /**
     * The model's output {@code (B, out)} of the last call (what {@link #predict} returned).
     *
     * @throws IllegalStateException as {@link #encoderOutput()}
     */
    public Tensor output() {
        return pipeline().output();
    }

    /**
     * Off-heap bytes this session holds now: its buffers, the encoder's workspace and the
     * attention's scratch (which grows to what the largest call so far needed); at most
     * {@link SequenceModel#sessionBytes} for its limits. For a Keras model: its layer graph's
     * buffers, workspaces and attention scratch ({@link GraphSession#byteSize()}). 0 once closed.
     */
    public long byteSize() {
        return pipeline == null ? graph.byteSize() : pipeline.byteSize();
    }

    private PipelineSession pipeline() {
        if (pipeline == null) {
            throw new IllegalStateException("a Keras model's session has no pipeline intermediates: its output is "
                    + "what predict returned");
        }
        return pipeline;
    }

    /** Frees the buffers. Idempotent. */
    @Override
    public void close() {
        if (graph != null) {
            graph.close();
        } else {
            pipeline.close();
        }
    }
}
