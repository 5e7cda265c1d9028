package io.attn4j.attention;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Cosine scores {@code s = (q / max(|q|, 1e-8)) . (k / max(|k|, 1e-8)) / temperature}: rows of
 * Q and K normalized into scratch, then one GEMM. Error: {@code |err| <= (2d + 8) * eps / temperature}
 * (each normalized row is within {@code (d/2 + 3) eps} relative of the exact unit vector, and
 * {@code sum |qn_c kn_c| <= 1}).
 */
final class CosineScore extends ScoreFunction {
    /** PyTorch's {@code F.cosine_similarity} / {@code F.normalize} floor on the norm. */
    static final float EPS = 1e-8f;

    private final float temperature;

    CosineScore(float temperature) {
        this.temperature = temperature;
    }

    @Override
    public String name() {
        return temperature == 1f ? "cosine" : "cosine (temperature " + temperature + ")";
    }

    @Override
    void checkDims(int dq, int dk, Tensor query, Tensor key) {
        if (dq != dk) {
            throw new IllegalArgumentException("cosine scores need equal query and key feature sizes, got dq = "
                    + dq + " (query " + Shapes.of(query) + ") and dk = " + dk + " (key " + Shapes.of(key) + ")");
        }
    }

    @Override
    long scratchFloats(int tq, int tk, int dq, int dk) {
        return alignFloats((long) tq * dq) + alignFloats((long) tk * dk);
    }

    @Override
    void scores(Kernels kernels, HeadTask t, MemorySegment s, long sOff, long lds, MemorySegment scratch,
            long scratchOff) {
        int d = t.dq;
        long qnOff = scratchOff;
        long knOff = qnOff + alignFloats((long) t.tq * d);
        normalizeRows(kernels, t.tq, d, t.q, t.qOff, t.ldq, scratch, qnOff);
        normalizeRows(kernels, t.tk, d, t.k, t.kOff, t.ldk, scratch, knOff);
        // S [tq, tk] = Qn Kn^T / temperature
        kernels.gemm(Transpose.NO, Transpose.YES, t.tq, t.tk, d, 1f / temperature, scratch, qnOff, d,
                scratch, knOff, d, 0f, s, sOff, lds);
    }

    /** {@code out[r] = x[r] / max(|x[r]|, 1e-8)} for {@code rows} rows of {@code d} floats. */
    private static void normalizeRows(Kernels kernels, int rows, int d, MemorySegment x, long xOff, long ldx,
            MemorySegment out, long outOff) {
        for (int r = 0; r < rows; r++) {
            long src = xOff + r * ldx, dst = outOff + (long) r * d;
            MemorySegment.copy(x, src * Float.BYTES, out, dst * Float.BYTES, (long) d * Float.BYTES);
            double norm = Math.sqrt(kernels.dot(d, out, dst, out, dst));
            kernels.scale(d, (float) (1.0 / Math.max(norm, EPS)), out, dst);
        }
    }
}
