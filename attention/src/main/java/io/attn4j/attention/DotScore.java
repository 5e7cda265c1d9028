package io.attn4j.attention;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Dot-product scores {@code s = scale * (q . k)}, one GEMM {@code S = scale * Q K^T}.
 * Error: {@code |err| <= (d + 1) * eps * |scale| * sum_c |q_c k_c|} (the GEMM bound plus the
 * rounding of the scale; with {@code scale = 1/sqrt(d)} one more rounding of the scale itself).
 */
final class DotScore extends ScoreFunction {
    /** NaN: {@code 1 / sqrt(d)} of the call. */
    private final float scale;

    DotScore(float scale) {
        this.scale = scale;
    }

    /** The scale for keys of {@code d} features. */
    float scale(int d) {
        return Float.isNaN(scale) ? (float) (1.0 / Math.sqrt(d)) : scale;
    }

    @Override
    public String name() {
        return Float.isNaN(scale) ? "scaled dot" : scale == 1f ? "dot" : "scaled dot (" + scale + ")";
    }

    @Override
    void checkDims(int dq, int dk, Tensor query, Tensor key) {
        if (dq != dk) {
            throw new IllegalArgumentException(name() + " scores need equal query and key feature sizes, got dq = "
                    + dq + " (query " + Shapes.of(query) + ") and dk = " + dk + " (key " + Shapes.of(key) + ")");
        }
    }

    @Override
    long scratchFloats(int tq, int tk, int dq, int dk) {
        return 0;
    }

    @Override
    void scores(Kernels kernels, HeadTask t, MemorySegment s, long sOff, long lds, MemorySegment scratch,
            long scratchOff) {
        // S [tq, tk] = scale * Q [tq, d] K^T [d, tk]
        kernels.gemm(Transpose.NO, Transpose.YES, t.tq, t.tk, t.dk, scale(t.dk), t.q, t.qOff, t.ldq,
                t.k, t.kOff, t.ldk, 0f, s, sOff, lds);
    }
}
