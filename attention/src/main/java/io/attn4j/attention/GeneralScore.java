package io.attn4j.attention;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * General (Luong) scores {@code s = q^T W k}, {@code W} of shape {@code (dq, dk)} (the weight of an
 * {@code nn.Linear(dk, dq, bias=False)}): {@code T = Q W} ({@code [tq, dk]}), then {@code S = T K^T}.
 * Error: {@code |err| <= (dq + dk) * eps * sum_{a,c} |q_a W_ac k_c|} (two GEMMs in a row).
 */
final class GeneralScore extends ScoreFunction {
    private final Arena arena = Arena.ofShared();
    private final int dq;
    private final int dk;
    /** W [dq, dk], row-major. */
    private final Tensor w;

    GeneralScore(Tensor weight) {
        dq = Weights.dim("W", weight, 2, 0);
        dk = Weights.dim("W", weight, 2, 1);
        try {
            w = Weights.copy(arena, "W", weight, dq, dk);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "general";
    }

    @Override
    void checkDims(int queryDim, int keyDim, Tensor query, Tensor key) {
        if (queryDim != dq || keyDim != dk) {
            throw new IllegalArgumentException("general scores with W (" + dq + ", " + dk + ") need dq = " + dq
                    + " and dk = " + dk + ", got query " + Shapes.of(query) + " and key " + Shapes.of(key));
        }
    }

    @Override
    long scratchFloats(int tq, int tk, int queryDim, int keyDim) {
        return (long) tq * keyDim;
    }

    @Override
    void scores(Kernels kernels, HeadTask t, MemorySegment s, long sOff, long lds, MemorySegment scratch,
            long scratchOff) {
        // T [tq, dk] = Q [tq, dq] W [dq, dk]
        kernels.gemm(Transpose.NO, Transpose.NO, t.tq, dk, dq, 1f, t.q, t.qOff, t.ldq,
                w.segment(), 0, dk, 0f, scratch, scratchOff, dk);
        // S [tq, tk] = T [tq, dk] K^T [dk, tk]
        kernels.gemm(Transpose.NO, Transpose.YES, t.tq, t.tk, dk, 1f, scratch, scratchOff, dk,
                t.k, t.kOff, t.ldk, 0f, s, sOff, lds);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
