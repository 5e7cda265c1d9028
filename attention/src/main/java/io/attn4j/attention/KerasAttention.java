package io.attn4j.attention;

import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * Keras' {@code keras.layers.Attention} and {@code keras.layers.AdditiveAttention}, with their
 * weights and mask semantics, for ported Keras models.
 *
 * <h2>Scores</h2>
 * <ul>
 *   <li>{@code Attention(use_scale, score_mode='dot')}: {@code s = q k^T}, times the 0-d {@code scale}
 *       weight when use_scale;</li>
 *   <li>{@code Attention(use_scale, score_mode='concat')}:
 *       {@code s = concat_score_weight * sum_c tanh(scale * (q_c + k_c))} ({@code scale} 1 without use_scale);</li>
 *   <li>{@code AdditiveAttention(use_scale)}: {@code s = sum_c scale_c tanh(q_c + k_c)}, {@code scale}
 *       a {@code (dim,)} weight (ones without use_scale).</li>
 * </ul>
 *
 * <h2>Masks (Keras convention: non-zero = keep)</h2>
 * The value mask {@code (B, Tv)} and {@code use_causal_mask} ({@code j <= i}, aligned to the start
 * as Keras does) mark scores to drop; as in Keras, {@code -1e9} is added to those scores before
 * the softmax (so a row with every key masked is a softmax of penalized scores, not zeros). The
 * query mask {@code (B, Tq)} sets the output rows of masked queries to 0 (their attention scores
 * are left as computed). Masks are I8 tensors.
 *
 * <p>Error: the score bound (see the score kinds) and the softmax and GEMM bounds of
 * {@link ReferenceAttention}.
 */
public final class KerasAttention implements AutoCloseable {
    /** What Keras adds to masked scores (float32; 65504 in float16). */
    static final float KERAS_PENALTY = -1e9f;

    private final ScoreFunction score;

    private final Backend backend;

    private KerasAttention(ScoreFunction score, Kernels kernels) {
        this.score = score;
        this.backend = Backend.of(kernels);
    }

    /**
     * {@code keras.layers.Attention(use_scale, score_mode)}.
     *
     * @param scoreMode {@code "dot"} or {@code "concat"}
     * @param scale the 0-d {@code scale} weight, or null when {@code use_scale=False}
     * @param concatScoreWeight the 0-d {@code concat_score_weight} ({@code "concat"} only; null for {@code "dot"})
     * @throws IllegalArgumentException on an unknown mode or a missing, extra or non-scalar weight
     */
    public static KerasAttention attention(String scoreMode, Tensor scale, Tensor concatScoreWeight) {
        return attention(scoreMode, scale, concatScoreWeight, KernelProvider.kernels());
    }

    /** As {@link #attention(String, Tensor, Tensor)}, computing with {@code kernels}. */
    public static KerasAttention attention(String scoreMode, Tensor scale, Tensor concatScoreWeight,
            Kernels kernels) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels is null");
        }
        float s = scale == null ? 1f : scalar("scale", scale);
        if ("dot".equals(scoreMode)) {
            if (concatScoreWeight != null) {
                throw new IllegalArgumentException("concat_score_weight is only used with score_mode='concat'");
            }
            return new KerasAttention(scale == null ? ScoreFunction.dot() : ScoreFunction.scaledDot(s), kernels);
        }
        if ("concat".equals(scoreMode)) {
            if (concatScoreWeight == null) {
                throw new IllegalArgumentException("score_mode='concat' needs concat_score_weight");
            }
            return new KerasAttention(new TanhSumScore(s, scalar("concat_score_weight", concatScoreWeight), null),
                    kernels);
        }
        throw new IllegalArgumentException("score_mode must be 'dot' or 'concat', got " + scoreMode);
    }

    /**
     * {@code keras.layers.AdditiveAttention(use_scale)}.
     *
     * @param scale the {@code (dim,)} {@code scale} weight (copied), or null when {@code use_scale=False}
     */
    public static KerasAttention additive(Tensor scale) {
        return additive(scale, KernelProvider.kernels());
    }

    /** As {@link #additive(Tensor)}, computing with {@code kernels}. */
    public static KerasAttention additive(Tensor scale, Kernels kernels) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels is null");
        }
        return new KerasAttention(new TanhSumScore(1f, 1f, scale), kernels);
    }

    /**
     * {@code layer([query, value, key], mask=[queryMask, valueMask], use_causal_mask, return_attention_scores)}.
     *
     * @param query {@code (B, Tq, dim)}; not modified
     * @param value {@code (B, Tv, dv)}; not modified
     * @param key {@code (B, Tv, dim)}, or null to use {@code value} (Keras' default); not modified
     * @param queryMask I8 {@code (B, Tq)}, non-zero = keep, or null
     * @param valueMask I8 {@code (B, Tv)}, non-zero = keep, or null
     * @param output {@code (B, Tq, dv)}; overwritten
     * @param attentionScores {@code (B, Tq, Tv)} softmax weights (Keras' {@code return_attention_scores}),
     *        or null; overwritten
     * @throws IllegalArgumentException on shapes that do not fit, before writing anything
     */
    public void call(Tensor query, Tensor value, Tensor key, Tensor queryMask, Tensor valueMask, boolean useCausalMask,
            AttentionWorkspace workspace, Executor executor, Tensor output, Tensor attentionScores) {
        call(query, value, key, queryMask, mask(valueMask, null, useCausalMask), workspace, executor, output,
                attentionScores);
    }

    /**
     * The mask {@link #call(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, AttentionWorkspace,
     * Executor, Tensor, Tensor) call} uses, with key lengths added: built once by a caller that
     * runs many calls of one shape (the tensors are read at each call), so that a call allocates
     * nothing. Each batch entry's values and keys end at its key length, which is what Keras
     * computes on the sequence cut there: keys past the length are excluded (never read, weight 0),
     * the value mask and the causal mask penalize keys below it.
     *
     * @param valueMask I8 {@code (B, Tv)}, non-zero = keep, or null
     * @param keyLengths I32 or I64 {@code (B)}, each in {@code [0, Tv]}, or null for all {@code Tv}
     */
    public static AttentionMask mask(Tensor valueMask, Tensor keyLengths, boolean useCausalMask) {
        AttentionMask mask = AttentionMask.none().withPenalty(KERAS_PENALTY);
        if (keyLengths != null) {
            mask = mask.withKeyLengths(keyLengths);
        }
        if (valueMask != null) {
            mask = mask.withKeyKeep(valueMask);
        }
        if (useCausalMask) {
            mask = mask.withCausalFromStart();
        }
        return mask;
    }

    /**
     * As {@link #call(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, AttentionWorkspace, Executor,
     * Tensor, Tensor) call}, with a mask from {@link #mask}.
     */
    public void call(Tensor query, Tensor value, Tensor key, Tensor queryMask, AttentionMask mask,
            AttentionWorkspace workspace, Executor executor, Tensor output, Tensor attentionScores) {
        if (workspace == null || mask == null) {
            throw new IllegalArgumentException("workspace and mask must not be null");
        }
        AttentionOperands op = workspace.operands();
        if (query != null && query.rank() != 3) {
            throw new IllegalArgumentException(
                    "query must have rank 3 (B, Tq, dim), got " + Arrays.toString(query.shape()));
        }
        op.set(score, query, key == null ? value : key, value, output, attentionScores, mask);
        if (queryMask != null) {
            checkQueryMask(queryMask, op.batch, op.tq);
        }
        workspace.reference().attend(backend, score, op, workspace, executor);
        if (queryMask != null) {
            zeroMaskedQueries(queryMask, output);
        }
    }

    /** Frees the weights. */
    @Override
    public void close() {
        score.close();
    }

    private static void checkQueryMask(Tensor mask, int batch, int tq) {
        if (mask.dtype() != DType.I8 || mask.rank() != 2 || mask.dim(0) != batch || mask.dim(1) != tq) {
            throw new IllegalArgumentException("queryMask must be I8 of shape [" + batch + ", " + tq + "], got "
                    + mask.dtype() + Arrays.toString(mask.shape()));
        }
        if (!mask.isAlive()) {
            throw new IllegalStateException("queryMask: the arena that owns this mask is closed");
        }
    }

    /** {@code output[b, i, :] = 0} where {@code queryMask[b, i] == 0}. */
    private static void zeroMaskedQueries(Tensor queryMask, Tensor output) {
        MemorySegment m = queryMask.segment();
        for (long b = 0; b < queryMask.dim(0); b++) {
            for (long i = 0; i < queryMask.dim(1); i++) {
                if (m.get(ValueLayout.JAVA_BYTE,
                        queryMask.offset() + b * queryMask.stride(0) + i * queryMask.stride(1)) == 0) {
                    ZeroFill.rows(output.segment(), output.offset() + b * output.stride(0) + i * output.stride(1),
                            1, (int) output.dim(2), 1);
                }
            }
        }
    }

    private static float scalar(String name, Tensor t) {
        if (t.dtype() != DType.F32 || t.size() != 1 || t.rank() > 1) {
            throw new IllegalArgumentException(name + " must be an F32 scalar (shape [] or [1]), got "
                    + t.dtype() + Arrays.toString(t.shape()));
        }
        return t.toFloatArray()[0];
    }
}
