package io.attn4j.engine.kernel;

import io.attn4j.engine.gemm.Gemm;
import io.attn4j.engine.gemm.Gemv;
import io.attn4j.engine.gemm.PackedPanels;
import java.lang.foreign.MemorySegment;

/**
 * Kernels on {@code jdk.incubator.vector} at the width of {@link Simd#F}. Every method that is not
 * overridden here is the scalar reference, so the class is always complete.
 *
 * <p>Each entry point checks its arguments with {@link KernelArgs}, as the reference does, and
 * hands them to the vector code: {@link VectorReductions} (dot, sum, max, argmax),
 * {@link VectorElementwise} (axpy to relu, exp, tanh, sigmoid through {@link VectorMath}),
 * {@link VectorSoftmax} (softmaxRows, logSumExp), {@link Gemv} and {@link Gemm}. Results equal
 * the reference's bit for bit where {@link Kernels} says "exact" or "correctly rounded", and
 * are within the stated bounds elsewhere.
 */
public final class VectorKernels extends ScalarKernels {
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
        KernelArgs.vector("x", n, x, xOff);
        KernelArgs.vector("y", n, y, yOff);
        return VectorReductions.dot(n, x, xOff, y, yOff);
    }

    @Override
    public void axpy(int n, float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        KernelArgs.vector("x", n, x, xOff);
        KernelArgs.vector("y", n, y, yOff);
        VectorElementwise.axpy(n, alpha, x, xOff, y, yOff);
    }

    @Override
    public void scale(int n, float alpha, MemorySegment x, long xOff) {
        KernelArgs.vector("x", n, x, xOff);
        VectorElementwise.scale(n, alpha, x, xOff);
    }

    @Override
    public void add(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        KernelArgs.binary(n, a, aOff, b, bOff, out, outOff);
        VectorElementwise.add(n, a, aOff, b, bOff, out, outOff);
    }

    @Override
    public void mul(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        KernelArgs.binary(n, a, aOff, b, bOff, out, outOff);
        VectorElementwise.mul(n, a, aOff, b, bOff, out, outOff);
    }

    @Override
    public void fma(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment c, long cOff,
            MemorySegment out, long outOff) {
        KernelArgs.binary(n, a, aOff, b, bOff, out, outOff);
        KernelArgs.vector("c", n, c, cOff);
        VectorElementwise.fma(n, a, aOff, b, bOff, c, cOff, out, outOff);
    }

    @Override
    public float sum(int n, MemorySegment x, long xOff) {
        KernelArgs.vector("x", n, x, xOff);
        return VectorReductions.sum(n, x, xOff);
    }

    @Override
    public float max(int n, MemorySegment x, long xOff) {
        KernelArgs.vector("x", n, x, xOff);
        return VectorReductions.max(n, x, xOff);
    }

    @Override
    public int argmax(int n, MemorySegment x, long xOff) {
        KernelArgs.vector("x", n, x, xOff);
        return VectorReductions.argmax(n, x, xOff);
    }

    /** {@inheritDoc} Within {@link VectorMath#EXP_ULPS} ulps. */
    @Override
    public void exp(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        KernelArgs.unary(n, x, xOff, out, outOff);
        VectorElementwise.exp(n, x, xOff, out, outOff);
    }

    /** {@inheritDoc} Within {@link VectorMath#TANH_ULPS} ulps. */
    @Override
    public void tanh(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        KernelArgs.unary(n, x, xOff, out, outOff);
        VectorElementwise.tanh(n, x, xOff, out, outOff);
    }

    /** {@inheritDoc} Within {@link VectorMath#SIGMOID_ULPS} ulps. */
    @Override
    public void sigmoid(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        KernelArgs.unary(n, x, xOff, out, outOff);
        VectorElementwise.sigmoid(n, x, xOff, out, outOff);
    }

    @Override
    public void relu(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        KernelArgs.unary(n, x, xOff, out, outOff);
        VectorElementwise.relu(n, x, xOff, out, outOff);
    }

    @Override
    public void softmaxRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx,
            SoftmaxMask mask, MemorySegment out, long outOff, long ldo) {
        KernelArgs.softmax(rows, cols, x, xOff, ldx, mask, out, outOff, ldo);
        VectorSoftmax.softmaxRows(rows, cols, scale, x, xOff, ldx, mask, out, outOff, ldo);
    }

    @Override
    public float logSumExp(int n, MemorySegment x, long xOff) {
        KernelArgs.vector("x", n, x, xOff);
        return VectorSoftmax.logSumExp(n, x, xOff);
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

    @Override
    public PackedMatrix packB(Transpose transB, int k, int n, MemorySegment b, long bOff, long ldb) {
        KernelArgs.packB(transB, k, n, b, bOff, ldb);
        return PackedPanels.pack(name(), transB, k, n, b, bOff, ldb);
    }

    @Override
    public void gemm(Transpose transA, int m, float alpha, MemorySegment a, long aOff, long lda,
            PackedMatrix b, float beta, MemorySegment c, long cOff, long ldc) {
        KernelArgs.gemmPacked(this, transA, m, a, aOff, lda, b, c, cOff, ldc);
        Gemm.gemm(transA, m, alpha, a, aOff, lda, (PackedPanels) b, beta, c, cOff, ldc);
    }
}
