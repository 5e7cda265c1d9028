package io.attn4j.engine.gemm;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;

/** PLACEHOLDER: replaced by the BLIS-shaped driver. Arguments are already checked by the caller. */
public final class Gemm {
    private Gemm() {
    }

    public static void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                            MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
                            float beta, MemorySegment c, long cOff, long ldc) {
        KernelProvider.scalar().gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }
}
