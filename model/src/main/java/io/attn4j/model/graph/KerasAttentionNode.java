package io.attn4j.model.graph;

import io.attn4j.attention.Attention;
import io.attn4j.attention.AttentionMask;
import io.attn4j.attention.AttentionWorkspace;
import io.attn4j.attention.KerasAttention;
import io.attn4j.attention.ScoreFunction;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.Tensor;

/**
 * Keras {@code Attention} ({@code score_mode} dot or concat, {@code use_scale}) and
 * {@code AdditiveAttention}, called as {@code layer([query, value(, key)], mask=[qm, vm],
 * use_causal_mask=...)}: {@code softmax(score(q, k) - 1e9 * masked) v}, rows of masked queries
 * zeroed, as {@link KerasAttention} computes them. Keys past each row's length are excluded.
 *
 * <p>Without masks and causality the dot scores run on the fused attention (online softmax,
 * scores never stored), which equals Keras' unmasked softmax; otherwise the reference path with
 * Keras' additive penalty. {@link #mean} pools the context rows by their mean without computing
 * them ({@link Attention#attendMean}), for an attention followed only by
 * {@code GlobalAveragePooling1D}.
 */
final class KerasAttentionNode extends Node {
    private final KerasAttention keras;
    /** The dot score for the fused path, or null (concat, additive, masks or causal). */
    private final Attention fused;
    private final Port query;
    private final Port value;
    private final Port key;
    private final Port queryMask;
    private final Port valueMask;
    private final boolean causal;
    private boolean mean;
    private final String score;

    KerasAttentionNode(String name, String className, Port query, Port value, Port key, Port queryMask,
            Port valueMask, boolean causal, KerasAttention keras, ScoreFunction dotScore, String score,
            Kernels kernels) {
        super(name, className, key == null ? new Port[]{query, value} : new Port[]{query, value, key});
        this.keras = keras;
        this.query = query;
        this.value = value;
        this.key = key;
        this.queryMask = queryMask;
        this.valueMask = valueMask;
        this.causal = causal;
        this.score = score;
        boolean plain = queryMask == null && valueMask == null && !causal;
        this.fused = plain && dotScore != null ? Attention.of(dotScore, kernels) : null;
        if (!plain && dotScore != null) {
            dotScore.close();
        }
    }

    /** True when the context's mean can be taken without the context: fused dot scores, no masks. */
    boolean canPoolMean() {
        return fused != null;
    }

    /** Makes this node write the mean of its context rows into {@code pooled} (its only consumer's output). */
    void poolMeanInto(Port pooled) {
        if (!canPoolMean()) {
            throw new IllegalStateException("the mean of the context is only taken without masks");
        }
        mean = true;
        outputs = new Port[]{pooled};
    }

    private static final class State implements AutoCloseable {
        final AttentionWorkspace workspace = new AttentionWorkspace();
        int batch = -1;
        int querySeq = -1;
        int keySeq = -1;
        AttentionMask mask;

        @Override
        public void close() {
            workspace.close();
        }
    }

    @Override
    Object newState(Frame frame) {
        return new State();
    }

    @Override
    long stateBytes(int maxBatch, int maxSeq) {
        int keyFeatures = (key == null ? value : key).features;
        return AttentionScratch.bound(maxBatch, maxSeq, Math.max(query.features, keyFeatures), value.features);
    }

    @Override
    long heldBytes(Object state) {
        return ((State) state).workspace.byteSize();
    }

    @Override
    void forward(Frame f) {
        State s = (State) f.state(this);
        int querySeq = f.seq(query), keySeq = f.seq(value);
        if (s.batch != f.batch || s.querySeq != querySeq || s.keySeq != keySeq) {
            // keys past each row's length along the value's axis are excluded
            Tensor keyLengths = f.lengthTensor(value);
            s.mask = fused != null
                    ? AttentionMask.none().withKeyLengths(keyLengths)
                    : KerasAttention.mask(valueMask == null ? null : f.view(valueMask), keyLengths, causal);
            s.batch = f.batch;
            s.querySeq = querySeq;
            s.keySeq = keySeq;
        }
        Tensor q = f.view(query), v = f.view(value), k = key == null ? v : f.view(key);
        Port y = outputs[0];
        if (mean) {
            // pooled [B, dv] = mean over the valid query rows of softmax(score(q, k)) v, without the context
            fused.attendMean(q, k, v, s.mask, s.workspace, null, f.lengthTensor(query), f.view(y));
            return;
        }
        if (fused != null) {
            fused.attend(q, k, v, s.mask, s.workspace, null, f.view(y), null);
        } else {
            keras.call(q, v, key == null ? null : k, queryMask == null ? null : f.view(queryMask), s.mask, s.workspace,
                    null, f.view(y), null);
        }
        f.zeroPadding(y);
    }

    @Override
    String runs() {
        String base = score + (causal ? ", causal" : "") + (valueMask != null ? ", value mask (-1e9)" : "")
                + (queryMask != null ? ", query mask" : "");
        if (mean) {
            return base + ": fused with the average pooling (mean of the context rows without the context)";
        }
        return base + (fused != null ? ": fused attention" : ": reference attention, Keras' penalty");
    }

    @Override
    public void close() {
        keras.close();
        if (fused != null) {
            fused.close();
        }
    }
}
