package io.attn4j.model;

import io.attn4j.attention.AttentionMask;
import io.attn4j.attention.AttentionWorkspace;
import io.attn4j.cells.RecurrentWorkspace;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.ModelConfig.Activation;
import io.attn4j.model.ModelConfig.MultiHead;
import io.attn4j.model.ModelConfig.PoolingAttention;
import io.attn4j.model.ModelConfig.SelfAttention;
import io.attn4j.model.graph.GraphSession;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One thread's workspace for a {@link SequenceModel}: every buffer a call needs, allocated once for
 * {@code (maxBatch, maxSeq)} and reused, so steady-state calls allocate nothing on the Java heap or
 * off it. (The attention's own scratch grows during the first calls to what the largest shape
 * seen needs, at most what {@code (maxBatch, maxSeq)} needs; the small view objects of a call
 * shape {@code (batch, seq)} are made at its first call and kept.)
 *
 * <p>Results are views of this session's buffers, valid until the next call on this session (or
 * its closing): copy what must outlive it. Not thread-safe: one session serves one thread at a
 * time; the model itself is shared.
 *
 * <p><b>Rows are independent, bit for bit</b>: a sequence's outputs depend on its own valid steps
 * alone, never on the other rows of the batch nor, for a model built from a {@link ModelConfig},
 * on the padded length {@code T}, provided {@code T >= }{@value #ROW_INVARIANT_STEPS} (or the same
 * {@code T}): the fused attention computes a call of at most 4 query rows with a kernel of its own,
 * whose sums are ordered differently from the tiled product's. So a batch row gives the same bits
 * as the sequence alone padded to {@value #ROW_INVARIANT_STEPS} steps or more (what
 * {@link Predictor} relies on to batch requests).
 */
public final class Session implements AutoCloseable {
    /** The padded length from which a row's result does not depend on {@code T} (see the class comment). */
    static final int ROW_INVARIANT_STEPS = 5;
    /**
     * Shapes whose views a session keeps: calls of those shapes allocate nothing, whatever their
     * order (a server's batches change shape call by call); past it, a new shape's views are made
     * per call. About 1.5 KiB of heap each.
     */
    private static final int CACHED_SHAPES = 4096;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final SequenceModel model;
    private final Kernels kernels;
    private final int maxBatch;
    private final int maxSeq;
    private final boolean keepWeights;
    private final int hOut;
    private final Arena arena = Arena.ofShared();
    /** A Keras model's session; null for a model built from a config (which uses the buffers below). */
    private final GraphSession graphSession;
    private final RecurrentWorkspace recurrent;
    private final AttentionWorkspace attentionScratch;
    // buffers (floats unless said): enc [B, T, Hout] | weights [B, Tq, T] | context [B, T, Hout]
    // | pooled [B, Hout] | head layer outputs [B, out_i] | logits [B, out] | key lengths (ints) [B]
    // | pooling queries [B, 1, Hout] | zeros [T * in] (for the finiteness check) | ones [T] (for the mean)
    private final MemorySegment enc;
    private final MemorySegment weights;
    private final MemorySegment context;
    private final MemorySegment pooled;
    private final MemorySegment[] layerOut;
    private final MemorySegment logits;
    private final MemorySegment keyLengths;
    private final MemorySegment queries;
    private final MemorySegment zeros;
    private final MemorySegment ones;
    /** The views of the last call's shape. */
    private Views views;
    /** Views by shape, {@code [seq - 1][batch - 1]}, rows made on first use; at most {@link #CACHED_SHAPES} views. */
    private final Views[][] viewsBySeq;
    private int cachedViews;
    /** Bytes of the buffers below, as {@link SessionMemory#ownBytes} counts them; 0 for a Keras model. */
    private final long ownBytes;
    /** The last call's context was not computed (see {@link #meanOfContext}); its mask, to compute it on demand. */
    private boolean contextPending;
    private AttentionMask lastMask;

    /** The tensor views of one call shape {@code (batch, seq)}: made once per shape (see {@link #CACHED_SHAPES}). */
    private record Views(int batch, int seq, Tensor enc, Tensor weights, Tensor context, Tensor pooled,
            Tensor pooledAsRows, Tensor queries, Tensor logits, Tensor output,
            AttentionMask padded, AttentionMask unpadded, Tensor counts) {
    }

    Session(SequenceModel model, int maxBatch, int maxSeq, boolean keepWeights) {
        if (maxBatch < 1 || maxSeq < 1) {
            throw new IllegalArgumentException("maxBatch and maxSeq must be >= 1, got " + maxBatch + ", " + maxSeq);
        }
        if (model.graph != null) {
            this.model = model;
            this.kernels = model.kernels;
            this.maxBatch = maxBatch;
            this.maxSeq = maxSeq;
            this.keepWeights = false;
            this.hOut = 0;
            this.recurrent = null;
            this.attentionScratch = null;
            this.enc = this.weights = this.context = this.pooled = this.logits = this.keyLengths = null;
            this.queries = this.zeros = this.ones = null;
            this.layerOut = null;
            this.viewsBySeq = null;
            this.ownBytes = 0;
            try {
                this.graphSession = model.graph.newSession(maxBatch, maxSeq);
            } catch (RuntimeException e) {
                arena.close();
                throw e;
            }
            return;
        }
        this.graphSession = null;
        SessionMemory.check(model, maxBatch, maxSeq);
        this.attentionScratch = new AttentionWorkspace();
        this.model = model;
        this.kernels = model.compute;
        this.maxBatch = maxBatch;
        this.maxSeq = maxSeq;
        this.hOut = model.config.encoder().outputSize();
        this.viewsBySeq = new Views[maxSeq][];
        boolean hasAttention = model.config.attention() != null;
        boolean pooling = model.config.attention() instanceof PoolingAttention;
        this.keepWeights = keepWeights && hasAttention;
        this.ownBytes = SessionMemory.ownBytes(model, maxBatch, maxSeq, this.keepWeights);
        try {
            recurrent = model.encoder.newWorkspace(maxBatch, maxSeq);
            long bt = (long) maxBatch * maxSeq;
            enc = floats(bt * hOut);
            weights = this.keepWeights ? floats(bt * (pooling ? 1 : maxSeq)) : null;
            context = hasAttention && !pooling ? floats(bt * hOut) : null;
            pooled = floats((long) maxBatch * hOut);
            int layers = model.headOut.length;
            layerOut = new MemorySegment[layers];
            for (int i = 0; i < layers; i++) {
                layerOut[i] = floats((long) maxBatch * model.headOut[i]);
            }
            logits = floats((long) maxBatch * model.outputSize());
            keyLengths = arena.allocate((long) maxBatch * Integer.BYTES, 64);
            queries = pooling ? floats((long) maxBatch * hOut) : null;
            if (pooling) {
                for (int b = 0; b < maxBatch; b++) {
                    MemorySegment.copy(model.query.segment(), 0, queries, (long) b * hOut * Float.BYTES,
                            (long) hOut * Float.BYTES);
                }
            }
            zeros = floats((long) maxSeq * model.config.inputSize());
            ones = model.config.pooling() == ModelConfig.Pooling.MEAN ? floats(maxSeq) : null;
            if (ones != null) {
                for (int t = 0; t < maxSeq; t++) {
                    ones.setAtIndex(F32, t, 1f);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private MemorySegment floats(long n) {
        return arena.allocate(Math.multiplyExact(n, (long) Float.BYTES), 64);
    }

    /**
     * Off-heap bytes this session holds now: its buffers, the encoder's workspace and the
     * attention's scratch (which grows to what the largest call so far needed); at most
     * {@link SequenceModel#sessionBytes} for its limits. 0 once closed, and for a Keras model's
     * session (not counted).
     */
    public long byteSize() {
        if (!arena.scope().isAlive() || graphSession != null) {
            return 0;
        }
        return ownBytes + (recurrent == null ? 0 : recurrent.byteSize()) + attentionScratch.byteSize();
    }

    /** Largest batch a call may use. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Longest sequence a call may use. */
    public int maxSeq() {
        return maxSeq;
    }

    /**
     * Runs the model on a batch.
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
     *         infinite value in a valid step (naming batch entry, step and feature), or a token
     *         outside an embedding's range; nothing is computed then
     * @throws IllegalStateException if the session, the model or x's memory is closed
     */
    public Tensor predict(Tensor x, int[] lengths) {
        return predict(x, lengths, true);
    }

    /**
     * As {@link #predict(Tensor, int[])}; {@code checkValues} false skips the scan for NaN and
     * infinities (of a model built from a config), for a caller that has checked every valid value
     * itself ({@link Predictor} checks each request before queueing it).
     */
    Tensor predict(Tensor x, int[] lengths, boolean checkValues) {
        requireOpen();
        model.calls.enter();
        try {
            return graphSession != null ? graphSession.predict(x, lengths) : run(x, lengths, checkValues);
        } finally {
            model.calls.exit();
        }
    }

    private Tensor run(Tensor x, int[] lengths, boolean checkValues) {
        int batch = checkInput(x);
        int seq = (int) x.dim(1);
        checkLengths(lengths, batch, seq);
        if (checkValues) {
            checkFinite(x, lengths, batch, seq);
        }
        Views v = views(batch, seq);
        contextPending = false;
        boolean padded = markPadding(lengths, batch, seq);
        AttentionMask mask = padded ? v.padded() : v.unpadded();

        // enc [B, T, Hout] = encoder(x), 0 at padded steps
        model.encoder.forward(recurrent, x, lengths, null, null, v.enc(), null, null);
        Tensor sequence = v.enc();
        switch (model.config.attention()) {
            case null -> {
            }
            case PoolingAttention unused ->
                // pooled [B, 1, Hout] = softmax(score(query, enc) + mask) enc
                model.attention.attend(v.queries(), v.enc(), v.enc(), mask, attentionScratch, null,
                        v.pooledAsRows(), v.weights());
            case MultiHead unused -> {
                model.multiHead.forward(v.enc(), v.enc(), v.enc(), mask, attentionScratch, null, v.context(),
                        v.weights());
                sequence = v.context();
            }
            case SelfAttention unused when meanOfContext() -> {
                // pooled [B, Hout] = mean over the valid steps of the context rows, without the
                // context: the mean weight row times enc (Attention.attendMean); context() computes
                // the context itself only if asked
                model.attention.attendMean(v.enc(), v.enc(), v.enc(), mask, attentionScratch, null,
                        padded ? v.counts() : null, v.pooled());
                lastMask = mask;
                contextPending = true;
                head(batch);
                return v.output();
            }
            case SelfAttention unused -> {
                // context [B, T, Hout] = softmax(score(enc, enc) + mask) enc
                model.attention.attend(v.enc(), v.enc(), v.enc(), mask, attentionScratch, null, v.context(),
                        v.weights());
                sequence = v.context();
            }
        }
        pool(sequence.segment(), lengths, batch, seq);
        head(batch);
        return v.output();
    }

    /**
     * Whether a call pools self-attention by the masked mean without keeping the weights: the
     * pooled vector then comes from {@link io.attn4j.attention.Attention#attendMean}, which
     * skips the {@code T x T x Hout} product of the weights with the values (at T = 100, Hout = 64,
     * batch 1: a tenth of the call).
     */
    private boolean meanOfContext() {
        return model.config.pooling() == ModelConfig.Pooling.MEAN && !keepWeights;
    }

    /** The encoder's output {@code (B, T, Hout)} of the last call (0 at padded steps). */
    public Tensor encoderOutput() {
        return lastViews().enc();
    }

    /**
     * The attention weights of the last call: {@code (B, T, T)} for self- and multi-head attention
     * (averaged over heads), {@code (B, 1, T)} for attention pooling; null when the model has no
     * attention or this session does not keep them.
     */
    public Tensor attentionWeights() {
        return lastViews().weights();
    }

    /**
     * The attention's output of the last call: {@code (B, T, Hout)} for self- and multi-head
     * attention, {@code (B, 1, Hout)} for attention pooling (the pooled vector); null without attention.
     * A self-attention model with mean pooling whose session does not keep the weights pools
     * without the context ({@link io.attn4j.attention.Attention#attendMean}); the first call of
     * this method after such a call computes it, from the same inputs and mask.
     */
    public Tensor context() {
        Views v = lastViews();
        if (contextPending) {
            // the last call pooled without the context: compute it now, from the same encoder
            // output and mask (the same values the call would have written)
            model.calls.enter();
            try {
                model.attention.attend(v.enc(), v.enc(), v.enc(), lastMask, attentionScratch, null, v.context(),
                        null);
            } finally {
                model.calls.exit();
            }
            contextPending = false;
        }
        return model.config.attention() instanceof PoolingAttention ? v.pooledAsRows() : v.context();
    }

    /** The pooled vector {@code (B, Hout)} of the last call. */
    public Tensor pooled() {
        return lastViews().pooled();
    }

    /** The last dense layer's output before its activation {@code (B, out)}, of the last call. */
    public Tensor logits() {
        return lastViews().logits();
    }

    /** The model's output {@code (B, out)} of the last call (what {@link #predict} returned). */
    public Tensor output() {
        return lastViews().output();
    }

    private Views lastViews() {
        requireOpen();
        if (graphSession != null) {
            throw new IllegalStateException("a Keras model's session has no pipeline intermediates: its output is "
                    + "what predict returned");
        }
        if (views == null) {
            throw new IllegalStateException("no call has run on this session yet");
        }
        return views;
    }

    private Views views(int batch, int seq) {
        if (views != null && views.batch() == batch && views.seq() == seq) {
            return views;
        }
        Views[] row = viewsBySeq[seq - 1];
        if (row != null && row[batch - 1] != null) {
            views = row[batch - 1];
            return views;
        }
        views = newViews(batch, seq);
        if (cachedViews < CACHED_SHAPES) {
            if (row == null) {
                row = viewsBySeq[seq - 1] = new Views[maxBatch];
            }
            row[batch - 1] = views;
            cachedViews++;
        }
        return views;
    }

    private Views newViews(int batch, int seq) {
        boolean pooling = model.config.attention() instanceof PoolingAttention;
        boolean causal = model.config.attention() instanceof MultiHead m && m.causal();
        int out = model.outputSize();
        Tensor weightsView = weights == null ? null : Tensor.wrap(weights, DType.F32, batch, pooling ? 1 : seq, seq);
        Tensor contextView = context == null ? null : Tensor.wrap(context, DType.F32, batch, seq, hOut);
        Tensor lastLayer = Tensor.wrap(layerOut[layerOut.length - 1], DType.F32, batch, out);
        AttentionMask base = causal ? AttentionMask.none().withCausal() : AttentionMask.none();
        Tensor counts = Tensor.wrap(keyLengths, DType.I32, batch);
        return new Views(batch, seq, Tensor.wrap(enc, DType.F32, batch, seq, hOut), weightsView, contextView,
                Tensor.wrap(pooled, DType.F32, batch, hOut), Tensor.wrap(pooled, DType.F32, batch, 1, hOut),
                queries == null ? null : Tensor.wrap(queries, DType.F32, batch, 1, hOut),
                Tensor.wrap(logits, DType.F32, batch, out), lastLayer, base.withKeyLengths(counts), base, counts);
    }

    /**
     * keyLengths [B] = lengths: the attention's key mask, a structural one, so that keys past a
     * sequence's end are skipped rather than computed and masked score by score.
     *
     * @return false when no step is padded (the attention then needs no key mask)
     */
    private boolean markPadding(int[] lengths, int batch, int seq) {
        if (lengths == null) {
            return false;
        }
        boolean any = false;
        for (int b = 0; b < batch; b++) {
            any |= lengths[b] < seq;
            keyLengths.setAtIndex(ValueLayout.JAVA_INT, b, lengths[b]);
        }
        return any;
    }

    /** pooled [B, Hout] = mean, last or max over the valid steps of {@code seq [B, T, Hout]}. */
    private void pool(MemorySegment src, int[] lengths, int batch, int seq) {
        ModelConfig.Pooling pooling = model.config.pooling();
        if (pooling == ModelConfig.Pooling.ATTENTION) {
            return; // the attention wrote pooled
        }
        for (int b = 0; b < batch; b++) {
            int len = lengths == null ? seq : lengths[b];
            long row0 = (long) b * seq * hOut, dst = (long) b * hOut;
            switch (pooling) {
                case LAST -> MemorySegment.copy(src, (row0 + (long) (len - 1) * hOut) * Float.BYTES, pooled,
                        dst * Float.BYTES, (long) hOut * Float.BYTES);
                // pooled[b] = (1/len) src[b, :len]^T 1: the sum of the valid steps, one GEMV (not a
                // kernel call per step, which cost 1.5% of a batch-1 call at T = 100)
                case MEAN ->
                    kernels.gemv(Transpose.YES, len, hOut, 1f / len, src, row0, hOut, ones, 0, 0f, pooled, dst);
                default -> {
                    // pooled[b, j] = max_{t < len} src[b, t, j]; NaN wins, as torch.max
                    for (int j = 0; j < hOut; j++) {
                        float m = src.getAtIndex(F32, row0 + j);
                        for (int t = 1; t < len; t++) {
                            float s = src.getAtIndex(F32, row0 + (long) t * hOut + j);
                            m = s > m || Float.isNaN(s) ? s : m;
                        }
                        pooled.setAtIndex(F32, dst + j, m);
                    }
                }
            }
        }
    }

    /** The dense head: y_i [B, out_i] = act_i(y_{i-1} W_i^T + b_i), y_{-1} = pooled; logits = last layer before act. */
    private void head(int batch) {
        MemorySegment in = pooled;
        int layers = model.headOut.length;
        for (int i = 0; i < layers; i++) {
            int k = model.headIn[i], n = model.headOut[i];
            boolean last = i == layers - 1;
            MemorySegment z = last ? logits : layerOut[i];
            kernels.gemm(Transpose.NO, Transpose.YES, batch, n, k, 1f, in, 0, k,
                    model.headWeight[i].segment(), 0, k, 0f, z, 0, n);
            if (model.headBias[i] != null) {
                for (int b = 0; b < batch; b++) {
                    kernels.add(n, z, (long) b * n, model.headBias[i].segment(), 0, z, (long) b * n);
                }
            }
            activate(model.config.head().get(i).activation(), batch, n, z, layerOut[i]);
            in = layerOut[i];
        }
    }

    private void activate(Activation act, int batch, int n, MemorySegment z, MemorySegment y) {
        int count = batch * n;
        switch (act) {
            case IDENTITY -> {
                if (z != y) {
                    MemorySegment.copy(z, 0, y, 0, (long) count * Float.BYTES);
                }
            }
            // Row by row: a vector kernel computes its lanes and its scalar tail differently, so a
            // value's bits would depend on where its row sits in the batch; per row they depend on
            // the row alone (what lets a batcher promise each request its solo result).
            case SIGMOID -> {
                for (int b = 0; b < batch; b++) {
                    kernels.sigmoid(n, z, (long) b * n, y, (long) b * n);
                }
            }
            case TANH -> {
                for (int b = 0; b < batch; b++) {
                    kernels.tanh(n, z, (long) b * n, y, (long) b * n);
                }
            }
            case RELU -> kernels.relu(count, z, 0, y, 0);
            case SOFTMAX -> kernels.softmaxRows(batch, n, 1f, z, 0, n, null, y, 0, n);
        }
    }

    private int checkInput(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("x is null");
        }
        int in = model.config.inputSize();
        if (x.dtype() != DType.F32 || x.rank() != 3 || x.dim(2) != in) {
            throw new IllegalArgumentException("x must be F32 (batch, seq, " + in + "), got " + x.dtype()
                    + Arrays.toString(x.shape()));
        }
        if (x.dim(0) < 1 || x.dim(0) > maxBatch || x.dim(1) < 1 || x.dim(1) > maxSeq) {
            throw new IllegalArgumentException("x " + Arrays.toString(x.shape()) + " needs batch in [1, " + maxBatch
                    + "] and seq in [1, " + maxSeq + "] (this session's limits)");
        }
        if (!x.isAlive()) {
            throw new IllegalStateException("x: the arena that owns this tensor is closed");
        }
        if (!x.isContiguous()) {
            throw new IllegalArgumentException(
                    "x must be contiguous (row-major), strides are " + Arrays.toString(x.strides()));
        }
        return (int) x.dim(0);
    }

    private static void checkLengths(int[] lengths, int batch, int seq) {
        if (lengths == null) {
            return;
        }
        if (lengths.length != batch) {
            throw new IllegalArgumentException(lengths.length + " lengths for a batch of " + batch);
        }
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > seq) {
                throw new IllegalArgumentException(
                        "lengths[" + b + "] = " + lengths[b] + " out of range [1, " + seq + "]");
            }
        }
    }

    /**
     * Rejects NaN and infinities in the valid steps, one pass: {@code sum_i x_i * 0} is 0 exactly
     * when every x_i is finite (an infinity times 0 is NaN), and the dot kernel computes it at
     * vector speed; only a failing sequence is scanned again to name the position.
     */
    private void checkFinite(Tensor x, int[] lengths, int batch, int seq) {
        int in = model.config.inputSize();
        MemorySegment s = x.segment();
        for (int b = 0; b < batch; b++) {
            int len = lengths == null ? seq : lengths[b];
            long start = x.offset() + (long) b * seq * in;
            if (kernels.dot(len * in, s, start, zeros, 0) == 0f) {
                continue;
            }
            for (int i = 0; i < len * in; i++) {
                float v = s.getAtIndex(F32, start + i);
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("x[" + b + ", " + i / in + ", " + i % in + "] = " + v
                            + " in a valid step (lengths[" + b + "] = " + len + "): replace missing values before"
                            + " predicting (see Sequences)");
                }
            }
        }
    }

    private void requireOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("the session is closed");
        }
        model.requireOpen();
    }

    /** Frees the buffers. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
        if (recurrent != null) {
            recurrent.close();
        }
        if (attentionScratch != null) {
            attentionScratch.close();
        }
        if (graphSession != null) {
            graphSession.close();
        }
    }
}
