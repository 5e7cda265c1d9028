package io.attn4j.engine.kernel;

import io.attn4j.engine.gemm.Gemm;
import io.attn4j.engine.gemm.Gemv;
import java.lang.foreign.MemorySegment;

/**
 * Kernels on {@code jdk.incubator.vector} at the width of {@link Simd#F}. Every method that is not
 * overridden here is the scalar reference, so the class is always complete.
 */
public final class VectorKernels extends ScalarKernels {

    public VectorKernels() {
        if (Simd.bits() < 128) {
            throw new UnsupportedOperationException("vector width " + Simd.bits() + " bits is below 128");
        }
    }

    @Override
    public String name() {
        return "vector-" + Simd.bits();
    }

    @Override
    public void gemv(Transpose transA, int m, int n, float alpha, MemorySegment a, long aOff, long lda,
                     MemorySegment x, long xOff, float beta, MemorySegment y, long yOff) {
        KernelArgs.gemv(transA, m, n, a, aOff, lda, x, xOff, y, yOff);
        Gemv.gemv(transA, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
    }

    @Override
    public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                     MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
                     float beta, MemorySegment c, long cOff, long ldc) {
        KernelArgs.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        Gemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }
}
