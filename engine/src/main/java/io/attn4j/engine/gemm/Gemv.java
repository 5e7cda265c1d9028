package io.attn4j.engine.gemm;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;

/** PLACEHOLDER: replaced by the vector GEMV. Arguments are already checked by the caller. */
public final class Gemv {
    private Gemv() {
    }

    public static void gemv(Transpose transA, int m, int n, float alpha, MemorySegment a, long aOff, long lda,
                            MemorySegment x, long xOff, float beta, MemorySegment y, long yOff) {
        KernelProvider.scalar().gemv(transA, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
    }
}
