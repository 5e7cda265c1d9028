package io.attn4j.attention;

import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A score function {@code s(q_i, k_j)}: how strongly query {@code i} attends to key {@code j}
 * before the softmax. Functions with weights copy them at construction into their own memory,
 * freed by {@link #close()}; the caller's tensors are not touched. Instances are immutable and
 * shared by any number of threads.
 *
 * <p>Weights follow PyTorch's {@code nn.Linear} layout {@code (out_features, in_features)}.
 * Error bounds are against the formula evaluated in double from the same float inputs, with
 * {@code eps = 2^-24}; each implementation states its own.
 */
public abstract sealed class ScoreFunction implements AutoCloseable
        permits DotScore, GeneralScore, AdditiveScore, CosineScore, TanhSumScore {

    ScoreFunction() {
    }

    /** {@code s = q . k}. */
    public static ScoreFunction dot() {
        return new DotScore(1f);
    }

    /** {@code s = (q . k) / sqrt(d)}, {@code d} the feature size of the call. */
    public static ScoreFunction scaledDot() {
        return new DotScore(Float.NaN);
    }

    /**
     * {@code s = scale * (q . k)}.
     *
     * @throws IllegalArgumentException unless {@code scale} is finite
     */
    public static ScoreFunction scaledDot(float scale) {
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be finite, got " + scale);
        }
        return new DotScore(scale);
    }

    /** General (Luong): {@code s = q^T W k}, {@code W} the {@code (dq, dk)} weight of an {@code nn.Linear(dk, dq, bias=False)}. */
    public static ScoreFunction general(Tensor w) {
        return new GeneralScore(w);
    }

    /**
     * Additive (Bahdanau): {@code s = v . tanh(W1 q + W2 k + b)}; {@code w1 (hidden, dq)},
     * {@code w2 (hidden, dk)}, {@code b (hidden)} (W2's bias), {@code v (1, hidden)}.
     */
    public static ScoreFunction additive(Tensor w1, Tensor w2, Tensor b, Tensor v) {
        return new AdditiveScore(w1, w2, b, v);
    }

    /** Cosine: {@code s = (q / max(|q|, 1e-8)) . (k / max(|k|, 1e-8))}. */
    public static ScoreFunction cosine() {
        return new CosineScore(1f);
    }

    /**
     * Cosine divided by a temperature: {@code s = cos(q, k) / temperature}.
     *
     * @throws IllegalArgumentException unless {@code temperature} is finite and positive
     */
    public static ScoreFunction cosine(float temperature) {
        if (!(temperature > 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
        }
        return new CosineScore(temperature);
    }

    /**
     * Raw scores (no mask) of a batch: {@code out[b, i, j] = s(query[b, i], key[b, j])}.
     *
     * @param query {@code (B, Tq, dq)}, last dimension contiguous; not modified
     * @param key {@code (B, Tk, dk)}, last dimension contiguous; not modified
     * @param out {@code (B, Tq, Tk)}, last dimension contiguous; overwritten
     * @param workspace scratch for functions that need it
     * @throws IllegalArgumentException on mismatched shapes or feature sizes, before writing anything
     */
    public final void scores(Tensor query, Tensor key, Tensor out, AttentionWorkspace workspace) {
        scores(query, key, out, workspace, KernelProvider.kernels());
    }

    /** As {@link #scores(Tensor, Tensor, Tensor, AttentionWorkspace)}, computing with {@code kernels}. */
    public final void scores(Tensor query, Tensor key, Tensor out, AttentionWorkspace workspace, Kernels kernels) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels is null");
        }
        if (workspace == null) {
            throw new IllegalArgumentException("workspace is null");
        }
        AttentionOperands op = workspace.operands();
        op.setScoresOnly(this, query, key, out);
        workspace.reserveScratch(1, 4 * scratchFloats(op.tq, op.tk, op.dq, op.dk));
        WorkerScratch slot = workspace.slot(0);
        Kernels body = Backend.of(kernels).kernels();
        for (int b = 0; b < op.batch; b++) {
            op.bind(slot.task, b, 0);
            HeadTask t = slot.task;
            scores(body, t, t.out, t.oOff, t.ldo, slot.mem, 0);
        }
    }

    /** A name for messages, e.g. {@code "scaled dot"}. */
    public abstract String name();

    /** Frees the copied weights, if any. Idempotent. */
    @Override
    public void close() {
    }

    /**
     * Checks that queries of {@code dq} features and keys of {@code dk} features fit this function.
     *
     * @throws IllegalArgumentException naming both shapes when they do not
     */
    abstract void checkDims(int dq, int dk, Tensor query, Tensor key);

    /** Floats of scratch {@link #scores(Kernels, HeadTask, MemorySegment, long, long, MemorySegment, long)} needs. */
    abstract long scratchFloats(int tq, int tk, int dq, int dk);

    /**
     * Scores of one problem: {@code s[i * lds + j] = s(q_i, k_j)} for {@code i < tq, j < tk}.
     * Reads {@code t.q}, {@code t.k}; writes only {@code s} and the scratch.
     */
    abstract void scores(Kernels kernels, HeadTask t, MemorySegment s, long sOff, long lds,
            MemorySegment scratch, long scratchOff);

    /** The rows of {@code scratch} start on cache lines: {@code floats} rounded up to 16. */
    static long alignFloats(long floats) {
        return (floats + 15) & ~15L;
    }
}
