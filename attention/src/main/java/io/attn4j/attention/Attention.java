package io.attn4j.attention;

import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.Tensor;
import java.util.concurrent.Executor;

/**
 * Scaled-dot, dot, general, additive or cosine attention over batch-first tensors:
 * {@code context = softmax(score(Q, K) + mask) V}, per batch entry (and head).
 *
 * <h2>Shapes (F32, last dimension contiguous, other strides free)</h2>
 * <ul>
 *   <li>single head: query {@code (B, Tq, dq)}, key {@code (B, Tk, dk)}, value {@code (B, Tk, dv)},
 *       context {@code (B, Tq, dv)}, weights {@code (B, Tq, Tk)};</li>
 *   <li>several heads: query {@code (B, H, Tq, dq)}, key and value {@code (B, Hkv, Tk, d)} with
 *       {@code Hkv} dividing {@code H} (grouped-query attention: head {@code h} reads key/value head
 *       {@code h / (H / Hkv)}), context {@code (B, H, Tq, dv)}, weights {@code (B, H, Tq, Tk)}.</li>
 * </ul>
 * Inputs are not modified; the context (and the weights, when given) are overwritten. Masks:
 * {@link AttentionMask}; a query whose keys are all excluded gets zero weights and zero context.
 *
 * <h2>Implementations</h2>
 * {@link #attend} uses the fused tiled attention ({@link FusedAttention}: online softmax, the
 * {@code Tq x Tk} matrix never exists, O(T d) memory) for dot and scaled-dot scores when the
 * weights are not asked for and the mask excludes (no penalty); otherwise, and always from
 * {@link #attendReference}, the reference ({@link ReferenceAttention}: scores materialized). Both
 * run the (batch, head, query block) items on the caller's executor (null: the calling thread)
 * with results bit-identical for any thread count. {@link #attendMean} gives the mean of the
 * context rows (masked mean pooling) from the reference's weights, without the context.
 *
 * <p>Errors: shapes that do not fit, a score function that does not fit the feature sizes, a
 * mask of the wrong shape or lengths out of range are {@link IllegalArgumentException}s naming
 * the argument and the shapes; closed memory is an {@link IllegalStateException}. A rejected
 * call writes nothing.
 *
 * <p>Thread safety: an instance (its weights) is shared freely; each concurrent call needs its
 * own {@link AttentionWorkspace}.
 */
public final class Attention implements AutoCloseable {
    private final ScoreFunction score;
    private final Backend backend;

    private Attention(ScoreFunction score, Kernels kernels) {
        if (score == null) {
            throw new IllegalArgumentException("score is null");
        }
        this.backend = Backend.of(kernels);
        this.score = score;
    }

    /**
     * Attention with {@code score}, which it then owns ({@link #close()} closes it), on the
     * kernels {@link KernelProvider#kernels()} chose.
     */
    public static Attention of(ScoreFunction score) {
        return of(score, KernelProvider.kernels());
    }

    /** As {@link #of(ScoreFunction)}, computing with {@code kernels}. */
    public static Attention of(ScoreFunction score, Kernels kernels) {
        return new Attention(score, kernels);
    }

    /** {@code s = q . k}. */
    public static Attention dot() {
        return of(ScoreFunction.dot());
    }

    /** {@code s = q . k / sqrt(d)}. */
    public static Attention scaledDot() {
        return of(ScoreFunction.scaledDot());
    }

    /** {@code s = scale * (q . k)}. */
    public static Attention scaledDot(float scale) {
        return of(ScoreFunction.scaledDot(scale));
    }

    /** The score function. */
    public ScoreFunction score() {
        return score;
    }

    /**
     * {@code context = softmax(score(query, key) + mask) value}, fused when possible (see the class
     * comment).
     *
     * @param mask null for none
     * @param executor runs the work items; null runs them on the calling thread
     * @param weights the attention weights, or null not to materialize them
     */
    public void attend(Tensor query, Tensor key, Tensor value, AttentionMask mask, AttentionWorkspace workspace,
            Executor executor, Tensor context, Tensor weights) {
        AttentionOperands op = prepare(query, key, value, mask, workspace, context, weights);
        if (score instanceof DotScore dot && weights == null && op.mask.excludes()) {
            workspace.fused().attend(backend, dot.scale(op.dk), op, workspace, executor);
        } else {
            workspace.reference().attend(backend, score, op, workspace, executor);
        }
    }

    /** As {@link #attend}, always through the reference (scores materialized). */
    public void attendReference(Tensor query, Tensor key, Tensor value, AttentionMask mask,
            AttentionWorkspace workspace,
            Executor executor, Tensor context, Tensor weights) {
        AttentionOperands op = prepare(query, key, value, mask, workspace, context, weights);
        workspace.reference().attend(backend, score, op, workspace, executor);
    }

    /**
     * The mean of each batch entry's (and head's) first {@code n_b} context rows,
     * {@code means[b, :] = (1/n_b) sum_{i < n_b} context[b, i, :]}, the masked mean pooling of a
     * self-attention layer, without the context: the weights of the counted rows are averaged,
     * {@code w = (1/n_b) sum_{i < n_b} W[i, :]}, and {@code means = w V}, two GEMVs in place of the
     * {@code n_b x Tk x dv} product. Any score function and mask; only the counted query rows are
     * scored. Scores are materialized as in {@link #attendReference}: {@code n_b x Tk} floats of
     * scratch per worker.
     *
     * <p>Error: the reference's bound on each weight, then the mean over {@code n_b} rows
     * ({@code n_b eps} relative to the sum of the weights) and the GEMV over the keys
     * ({@code Tk eps sum_j w_j |v_j|}); a mean of zero rows ({@code n_b = 0}) and a mean whose
     * rows see no key are zeros. Keys no counted row sees are never read.
     *
     * @param queryCounts {@code n_b} per batch entry, an I32 or I64 tensor {@code (B)} read at call
     *     time, each in {@code [0, Tq]}; null counts every query
     * @param means {@code (B, dv)} for rank-3 inputs, {@code (B, H, dv)} for several heads; overwritten
     */
    public void attendMean(Tensor query, Tensor key, Tensor value, AttentionMask mask, AttentionWorkspace workspace,
            Executor executor, Tensor queryCounts, Tensor means) {
        if (workspace == null) {
            throw new IllegalArgumentException("workspace is null");
        }
        AttentionOperands op = workspace.operands();
        op.setMean(score, query, key, value, means, queryCounts, mask);
        workspace.reference().attendMean(backend, score, op, workspace, executor);
    }

    private AttentionOperands prepare(Tensor query, Tensor key, Tensor value, AttentionMask mask,
            AttentionWorkspace workspace,
            Tensor context, Tensor weights) {
        if (workspace == null) {
            throw new IllegalArgumentException("workspace is null");
        }
        AttentionOperands op = workspace.operands();
        op.set(score, query, key, value, context, weights, mask);
        return op;
    }

    /** Frees the score function's weights. */
    @Override
    public void close() {
        score.close();
    }
}
