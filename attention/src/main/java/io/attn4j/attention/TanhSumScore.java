package io.attn4j.attention;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Keras' tanh scores over the raw features:
 * {@code s = outer * sum_c w_c tanh(inner * (q_c + k_c))}. {@code keras.layers.Attention} with
 * {@code score_mode='concat'} is {@code outer = concat_score_weight}, {@code inner = scale} (1
 * without use_scale), {@code w = 1}; {@code keras.layers.AdditiveAttention} is {@code outer = 1},
 * {@code inner = 1}, {@code w = scale} (1 without use_scale). Error: the {@link PairwiseTanhSum} bound.
 */
final class TanhSumScore extends ScoreFunction {
    private final Arena arena;
    private final float inner;
    private final float outer;
    /** (dim) weights, or null for ones. */
    private final Tensor w;
    private final int dim;

    /** {@code w} null: all ones, any feature size. */
    TanhSumScore(float inner, float outer, Tensor w) {
        this.inner = inner;
        this.outer = outer;
        if (w == null) {
            this.arena = null;
            this.w = null;
            this.dim = -1;
        } else {
            this.dim = Weights.dim("scale", w, 1, 0);
            this.arena = Arena.ofShared();
            try {
                this.w = Weights.copy(arena, "scale", w, dim);
            } catch (RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    @Override
    public String name() {
        return w == null ? "keras concat" : "keras additive";
    }

    @Override
    void checkDims(int dq, int dk, Tensor query, Tensor key) {
        if (dq != dk || (dim >= 0 && dq != dim)) {
            throw new IllegalArgumentException(name() + " scores need query and key feature sizes equal"
                    + (dim >= 0 ? " to the scale's " + dim : "") + ", got query " + Shapes.of(query) + " and key "
                    + Shapes.of(key));
        }
    }

    @Override
    long scratchFloats(int tq, int tk, int dq, int dk) {
        return dq;
    }

    @Override
    void scores(Kernels kernels, HeadTask t, MemorySegment s, long sOff, long lds, MemorySegment scratch,
            long scratchOff) {
        PairwiseTanhSum.scores(kernels, t.tq, t.tk, t.dq, t.q, t.qOff, t.ldq, t.k, t.kOff, t.ldk, inner,
                w == null ? null : w.segment(), 0, outer, s, sOff, lds, scratch, scratchOff);
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
