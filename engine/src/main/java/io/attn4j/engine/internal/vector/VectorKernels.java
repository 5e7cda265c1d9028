package io.attn4j.engine.internal.vector;

import io.attn4j.engine.internal.vector.gemm.Gemm;
import io.attn4j.engine.internal.vector.gemm.Gemv;
import io.attn4j.engine.internal.vector.gemm.PackedPanels;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.SoftmaxMask;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;

/**
 * Kernels on {@code jdk.incubator.vector} at the width of {@link Simd#SPECIES}. They trust their
 * arguments: the public face is {@link io.attn4j.engine.internal.CheckedKernels}, which checks each
 * call once. Each method hands its operands to the vector code: {@link VectorReductions} (dot, sum, max, argmax),
 * {@link VectorElementwise} (axpy to relu, exp, tanh, sigmoid through {@link VectorMath}),
 * {@link VectorSoftmax} (softmaxRows, logSumExp), {@link Gemv} and {@link Gemm}. Results equal
 * the reference's bit for bit where {@link Kernels} says "exact" or "correctly rounded", and
 * are within the stated bounds elsewhere.
 */
public final class VectorKernels implements Kernels {
    /** Built once: the packed GEMM compares it on every call, which must not allocate. */
    private static final String NAME = "vector-" + Simd.bits();

    public VectorKernels() {
        if (Simd.bits() < 128) {
            throw new UnsupportedOperationException("vector width " + Simd.bits() + " bits is below 128");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public float dot(int n, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        return VectorReductions.dot(n, x, xOff, y, yOff);
    }

    @Override
    public void axpy(int n, float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        VectorElementwise.axpy(n, alpha, x, xOff, y, yOff);
    }

    @Override
    public void scale(int n, float alpha, MemorySegment x, long xOff) {
        VectorElementwise.scale(n, alpha, x, xOff);
    }

    @Override
    public void add(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        VectorElementwise.add(n, a, aOff, b, bOff, out, outOff);
    }

    @Override
    public void mul(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        VectorElementwise.mul(n, a, aOff, b, bOff, out, outOff);
    }

    @Override
    public void fma(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment c, long cOff,
            MemorySegment out, long outOff) {
        VectorElementwise.fma(n, a, aOff, b, bOff, c, cOff, out, outOff);
    }

    @Override
    public float sum(int n, MemorySegment x, long xOff) {
        return VectorReductions.sum(n, x, xOff);
    }

    @Override
    public float max(int n, MemorySegment x, long xOff) {
        return VectorReductions.max(n, x, xOff);
    }

    @Override
    public int argmax(int n, MemorySegment x, long xOff) {
        return VectorReductions.argmax(n, x, xOff);
    }

    /** {@inheritDoc} Within {@link VectorMath#EXP_ULPS} ulps. */
    @Override
    public void exp(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        VectorElementwise.exp(n, x, xOff, out, outOff);
    }

    /** {@inheritDoc} Within {@link VectorMath#TANH_ULPS} ulps. */
    @Override
    public void tanh(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        VectorElementwise.tanh(n, x, xOff, out, outOff);
    }

    /** {@inheritDoc} Within {@link VectorMath#SIGMOID_ULPS} ulps. */
    @Override
    public void sigmoid(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        VectorElementwise.sigmoid(n, x, xOff, out, outOff);
    }

    @Override
    public void relu(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        VectorElementwise.relu(n, x, xOff, out, outOff);
    }

    @Override
    public void softmaxRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx,
            SoftmaxMask mask, MemorySegment out, long outOff, long ldo) {
        VectorSoftmax.softmaxRows(rows, cols, scale, x, xOff, ldx, mask, out, outOff, ldo);
    }

    @Override
    public float logSumExp(int n, MemorySegment x, long xOff) {
        return VectorSoftmax.logSumExp(n, x, xOff);
    }

    @Override
    public void gemv(Transpose transA, int m, int n, float alpha, MemorySegment a, long aOff, long lda,
            MemorySegment x, long xOff, float beta, MemorySegment y, long yOff) {
        Gemv.gemv(transA, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
    }

    @Override
    public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
            MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
            float beta, MemorySegment c, long cOff, long ldc) {
        Gemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public PackedMatrix packB(Transpose transB, int k, int n, MemorySegment b, long bOff, long ldb) {
        return PackedPanels.pack(name(), transB, k, n, b, bOff, ldb);
    }

    @Override
    public void gemm(Transpose transA, int m, float alpha, MemorySegment a, long aOff, long lda,
            PackedMatrix b, float beta, MemorySegment c, long cOff, long ldc) {
        Gemm.gemm(transA, m, alpha, a, aOff, lda, (PackedPanels) b, beta, c, cOff, ldc);
    }
}
