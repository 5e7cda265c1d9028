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
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One thread's workspace for a {@link Pipeline}, the computation {@link SequenceModel} describes:
 * every buffer a call needs, allocated once for {@code (maxBatch, maxSeq)} and reused, so
 * steady-state calls allocate nothing on the Java heap or off it. (The attention's own scratch
 * grows during the first calls to what the largest shape seen needs, at most what
 * {@code (maxBatch, maxSeq)} needs; the small view objects of a call shape {@code (batch, seq)} are
 * made at its first call and kept.) The public face is {@link Session}.
 *
 * <p>Rows are independent, bit for bit: a sequence's outputs depend on its own valid steps alone,
 * never on the other rows of the batch nor on the padded length {@code T}, provided
 * {@code T >= }{@link Session#ROW_INVARIANT_STEPS} (or the same {@code T}).
 *
 * <p>Not thread-safe: one session serves one thread at a time; the pipeline itself is shared.
 */
final class PipelineSession implements AutoCloseable {
    /**
     * Shapes whose views a session keeps: calls of those shapes allocate nothing, whatever their
     * order (a server's batches change shape call by call); past it, a new shape's views are made
     * per call.
     */
    private static final int CACHED_SHAPES = 4096;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final Pipeline model;
    private final Kernels kernels;
    private final int maxBatch;
    private final int maxSeq;
    private final boolean keepWeights;
    private final int hOut;
    private final Arena arena = Arena.ofShared();
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
    /** Bytes of the buffers below, as {@link SessionMemory#ownBytes} counts them. */
    private final long ownBytes;
    /** The last call's context was not computed (see {@link #meanOfContext}); its mask, to compute it on demand. */
    private boolean contextPending;
    private AttentionMask lastMask;

    /** The tensor views of one call shape {@code (batch, seq)}: made once per shape (see {@link #CACHED_SHAPES}). */
    private record Views(int batch, int seq, Tensor enc, Tensor weights, Tensor context, Tensor pooled,
            Tensor pooledAsRows, Tensor queries, Tensor logits, Tensor output,
            AttentionMask padded, AttentionMask unpadded, Tensor counts) {
    }

    PipelineSession(Pipeline model, int maxBatch, int maxSeq, boolean keepWeights) {
        if (maxBatch < 1 || maxSeq < 1) {
            throw new IllegalArgumentException("maxBatch and maxSeq must be >= 1, got " + maxBatch + ", " + maxSeq);
        }
        SessionMemory.check(model, maxBatch, maxSeq);
        this.attentionScratch = new AttentionWorkspace();
        this.model = model;
        this.kernels = model.compute;
        this.maxBatch = maxBatch;
        this.maxSeq = maxSeq;
        this.hOut = model.config.encoder().outputSize();
        boolean hasAttention = model.config.attention() != null;
        boolean pooling = model.config.attention() instanceof PoolingAttention;
        this.keepWeights = keepWeights && hasAttention;
        this.viewsBySeq = new Views[maxSeq][];
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

    int maxBatch() {
        return maxBatch;
    }

    /** See {@link Session#byteSize()}. */
    long byteSize() {
        if (!arena.scope().isAlive()) {
            return 0;
        }
        return ownBytes + (recurrent == null ? 0 : recurrent.byteSize()) + attentionScratch.byteSize();
    }

    int maxSeq() {
        return maxSeq;
    }

    /** See {@link Session#predict(Tensor, int[], boolean)}. */
    Tensor predict(Tensor x, int[] lengths, boolean checkValues) {
        requireOpen();
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

    /** See {@link Session#encoderOutput()}. */
    Tensor encoderOutput() {
        return lastViews().enc();
    }

    /** See {@link Session#attentionWeights()}. */
    Tensor attentionWeights() {
        return lastViews().weights();
    }

    /** See {@link Session#context()}. */
    Tensor context() {
        Views v = lastViews();
        if (contextPending) {
            // the last call pooled without the context: compute it now, from the same encoder
            // output and mask (the same values the call would have written)
            model.attention.attend(v.enc(), v.enc(), v.enc(), lastMask, attentionScratch, null, v.context(), null);
            contextPending = false;
        }
        return model.config.attention() instanceof PoolingAttention ? v.pooledAsRows() : v.context();
    }

    /** See {@link Session#pooled()}. */
    Tensor pooled() {
        return lastViews().pooled();
    }

    /** See {@link Session#logits()}. */
    Tensor logits() {
        return lastViews().logits();
    }

    /** See {@link Session#output()}. */
    Tensor output() {
        return lastViews().output();
    }

    private Views lastViews() {
        requireOpen();
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
                // pooled[b] = (1/len) src[b, :len]^T 1: the sum of the valid steps in one GEMV, not a
                // kernel call per step
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
        if (!model.isOpen()) {
            throw new IllegalStateException("the sequence model is closed");
        }
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
    }
}
