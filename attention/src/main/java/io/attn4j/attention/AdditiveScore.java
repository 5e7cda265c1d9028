package io.attn4j.attention;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Additive (Bahdanau) scores {@code s = v . tanh(W1 q + W2 k + b)}, weights in {@code nn.Linear}
 * layout: {@code W1 (hidden, dq)}, {@code W2 (hidden, dk)}, {@code b (hidden)} (W2's bias),
 * {@code v (1, hidden)}. The projections {@code P = Q W1^T} ({@code [tq, hidden]}) and
 * {@code R = K W2^T + b} ({@code [tk, hidden]}) are computed once, then {@link PairwiseTanhSum} pairs them.
 *
 * <p>Error: the projections carry {@code (d + 1) * eps * sum |W x|} each, which tanh passes on
 * at most unchanged (|tanh'| <= 1), weighted by |v|, plus the {@link PairwiseTanhSum} bound.
 */
final class AdditiveScore extends ScoreFunction {
    private final Arena arena = Arena.ofShared();
    private final int hidden;
    private final int dq;
    private final int dk;
    private final Tensor w1;
    private final Tensor w2;
    private final Tensor bias;
    private final Tensor v;

    AdditiveScore(Tensor w1, Tensor w2, Tensor b, Tensor v) {
        hidden = Weights.dim("W1", w1, 2, 0);
        dq = Weights.dim("W1", w1, 2, 1);
        dk = Weights.dim("W2", w2, 2, 1);
        try {
            this.w1 = Weights.copy(arena, "W1", w1, hidden, dq);
            this.w2 = Weights.copy(arena, "W2", w2, hidden, dk);
            this.bias = Weights.copy(arena, "b", b, hidden);
            this.v = Weights.copy(arena, "v", v, 1, hidden);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "additive";
    }

    @Override
    void checkDims(int queryDim, int keyDim, Tensor query, Tensor key) {
        if (queryDim != dq || keyDim != dk) {
            throw new IllegalArgumentException("additive scores with W1 (" + hidden + ", " + dq + ") and W2 ("
                    + hidden + ", " + dk + ") need dq = " + dq + " and dk = " + dk + ", got query " + Shapes.of(query)
                    + " and key " + Shapes.of(key));
        }
    }

    @Override
    long scratchFloats(int tq, int tk, int queryDim, int keyDim) {
        return alignFloats((long) tq * hidden) + alignFloats((long) tk * hidden) + hidden;
    }

    @Override
    void scores(Kernels kernels, HeadTask t, MemorySegment s, long sOff, long lds, MemorySegment scratch,
            long scratchOff) {
        long pOff = scratchOff;
        long rOff = pOff + alignFloats((long) t.tq * hidden);
        long tmpOff = rOff + alignFloats((long) t.tk * hidden);
        // P [tq, hidden] = Q [tq, dq] W1^T
        kernels.gemm(Transpose.NO, Transpose.YES, t.tq, hidden, dq, 1f, t.q, t.qOff, t.ldq,
                w1.segment(), 0, dq, 0f, scratch, pOff, hidden);
        // R [tk, hidden] = K [tk, dk] W2^T + b
        kernels.gemm(Transpose.NO, Transpose.YES, t.tk, hidden, dk, 1f, t.k, t.kOff, t.ldk,
                w2.segment(), 0, dk, 0f, scratch, rOff, hidden);
        for (int j = 0; j < t.tk; j++) {
            kernels.add(hidden, scratch, rOff + (long) j * hidden, bias.segment(), 0, scratch,
                    rOff + (long) j * hidden);
        }
        // S [i, j] = v . tanh(P_i + R_j)
        PairwiseTanhSum.scores(kernels, t.tq, t.tk, hidden, scratch, pOff, hidden, scratch, rOff, hidden,
                1f, v.segment(), 0, 1f, s, sOff, lds, scratch, tmpOff);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
