package io.attn4j.engine.testing;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.SoftmaxMask;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A {@link Kernels} that forwards every call to another: tests override one method to break it. */
public class ForwardingKernels implements Kernels {
    private final Kernels delegate;

    public ForwardingKernels(Kernels delegate) {
        this.delegate = delegate;
    }

    /** Float {@code i} of {@code s}, for overrides that read what the delegate wrote. */
    protected static float get(MemorySegment s, long i) {
        return s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
    }

    /** Sets float {@code i} of {@code s}. */
    protected static void set(MemorySegment s, long i, float v) {
        s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public float dot(int n, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        return delegate.dot(n, x, xOff, y, yOff);
    }

    @Override
    public void axpy(int n, float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        delegate.axpy(n, alpha, x, xOff, y, yOff);
    }

    @Override
    public void scale(int n, float alpha, MemorySegment x, long xOff) {
        delegate.scale(n, alpha, x, xOff);
    }

    @Override
    public void add(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        delegate.add(n, a, aOff, b, bOff, out, outOff);
    }

    @Override
    public void mul(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        delegate.mul(n, a, aOff, b, bOff, out, outOff);
    }

    @Override
    public void fma(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment c, long cOff,
            MemorySegment out, long outOff) {
        delegate.fma(n, a, aOff, b, bOff, c, cOff, out, outOff);
    }

    @Override
    public float sum(int n, MemorySegment x, long xOff) {
        return delegate.sum(n, x, xOff);
    }

    @Override
    public float max(int n, MemorySegment x, long xOff) {
        return delegate.max(n, x, xOff);
    }

    @Override
    public int argmax(int n, MemorySegment x, long xOff) {
        return delegate.argmax(n, x, xOff);
    }

    @Override
    public void exp(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        delegate.exp(n, x, xOff, out, outOff);
    }

    @Override
    public void tanh(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        delegate.tanh(n, x, xOff, out, outOff);
    }

    @Override
    public void sigmoid(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        delegate.sigmoid(n, x, xOff, out, outOff);
    }

    @Override
    public void relu(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        delegate.relu(n, x, xOff, out, outOff);
    }

    @Override
    public void softmaxRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx, SoftmaxMask mask,
            MemorySegment out, long outOff, long ldo) {
        delegate.softmaxRows(rows, cols, scale, x, xOff, ldx, mask, out, outOff, ldo);
    }

    @Override
    public float logSumExp(int n, MemorySegment x, long xOff) {
        return delegate.logSumExp(n, x, xOff);
    }

    @Override
    public void gemv(Transpose transA, int m, int n, float alpha, MemorySegment a, long aOff, long lda, MemorySegment x,
            long xOff, float beta, MemorySegment y, long yOff) {
        delegate.gemv(transA, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
    }

    @Override
    public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, MemorySegment a, long aOff,
            long lda, MemorySegment b, long bOff, long ldb, float beta, MemorySegment c, long cOff, long ldc) {
        delegate.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public PackedMatrix packB(Transpose transB, int k, int n, MemorySegment b, long bOff, long ldb) {
        return delegate.packB(transB, k, n, b, bOff, ldb);
    }

    @Override
    public void gemm(Transpose transA, int m, float alpha, MemorySegment a, long aOff, long lda, PackedMatrix b,
            float beta, MemorySegment c, long cOff, long ldc) {
        delegate.gemm(transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc);
    }
}
