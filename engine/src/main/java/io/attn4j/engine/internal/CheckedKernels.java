package io.attn4j.engine.internal;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.SoftmaxMask;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;

/**
 * The public face of a {@link Backend}'s kernels: every call's arguments are checked here, once,
 * by {@link KernelArgs}, and then handed to the backend's kernels, which trust them. So every
 * implementation rejects exactly the same calls, before writing anything.
 */
public final class CheckedKernels implements Kernels {
    private final Backend backend;
    private final Kernels body;

    public CheckedKernels(Backend backend) {
        this.backend = backend;
        this.body = backend.kernels();
    }

    /** The backend these kernels check calls for. */
    public Backend backend() {
        return backend;
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public float dot(int n, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        KernelArgs.vector("x", n, x, xOff);
        KernelArgs.vector("y", n, y, yOff);
        return body.dot(n, x, xOff, y, yOff);
    }

    @Override
    public void axpy(int n, float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        KernelArgs.vector("x", n, x, xOff);
        KernelArgs.vector("y", n, y, yOff);
        body.axpy(n, alpha, x, xOff, y, yOff);
    }

    @Override
    public void scale(int n, float alpha, MemorySegment x, long xOff) {
        KernelArgs.vector("x", n, x, xOff);
        body.scale(n, alpha, x, xOff);
    }

    @Override
    public void add(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        KernelArgs.binary(n, a, aOff, b, bOff, out, outOff);
        body.add(n, a, aOff, b, bOff, out, outOff);
    }

    @Override
    public void mul(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        KernelArgs.binary(n, a, aOff, b, bOff, out, outOff);
        body.mul(n, a, aOff, b, bOff, out, outOff);
    }

    @Override
    public void fma(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment c, long cOff,
            MemorySegment out, long outOff) {
        KernelArgs.binary(n, a, aOff, b, bOff, out, outOff);
        KernelArgs.vector("c", n, c, cOff);
        body.fma(n, a, aOff, b, bOff, c, cOff, out, outOff);
    }

    @Override
    public float sum(int n, MemorySegment x, long xOff) {
        KernelArgs.vector("x", n, x, xOff);
        return body.sum(n, x, xOff);
    }

    @Override
    public float max(int n, MemorySegment x, long xOff) {
        KernelArgs.vector("x", n, x, xOff);
        return body.max(n, x, xOff);
    }

    @Override
    public int argmax(int n, MemorySegment x, long xOff) {
        KernelArgs.vector("x", n, x, xOff);
        return body.argmax(n, x, xOff);
    }

    @Override
    public void exp(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        KernelArgs.unary(n, x, xOff, out, outOff);
        body.exp(n, x, xOff, out, outOff);
    }

    @Override
    public void tanh(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        KernelArgs.unary(n, x, xOff, out, outOff);
        body.tanh(n, x, xOff, out, outOff);
    }

    @Override
    public void sigmoid(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        KernelArgs.unary(n, x, xOff, out, outOff);
        body.sigmoid(n, x, xOff, out, outOff);
    }

    @Override
    public void relu(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        KernelArgs.unary(n, x, xOff, out, outOff);
        body.relu(n, x, xOff, out, outOff);
    }

    @Override
    public void softmaxRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx, SoftmaxMask mask,
            MemorySegment out, long outOff, long ldo) {
        KernelArgs.softmax(rows, cols, x, xOff, ldx, mask, out, outOff, ldo);
        body.softmaxRows(rows, cols, scale, x, xOff, ldx, mask, out, outOff, ldo);
    }

    @Override
    public float logSumExp(int n, MemorySegment x, long xOff) {
        KernelArgs.vector("x", n, x, xOff);
        return body.logSumExp(n, x, xOff);
    }

    @Override
    public void gemv(Transpose transA, int m, int n, float alpha, MemorySegment a, long aOff, long lda,
            MemorySegment x, long xOff, float beta, MemorySegment y, long yOff) {
        KernelArgs.gemv(transA, m, n, a, aOff, lda, x, xOff, y, yOff);
        body.gemv(transA, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
    }

    @Override
    public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, MemorySegment a,
            long aOff, long lda, MemorySegment b, long bOff, long ldb, float beta, MemorySegment c, long cOff,
            long ldc) {
        KernelArgs.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        body.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public PackedMatrix packB(Transpose transB, int k, int n, MemorySegment b, long bOff, long ldb) {
        KernelArgs.packB(transB, k, n, b, bOff, ldb);
        return body.packB(transB, k, n, b, bOff, ldb);
    }

    @Override
    public void gemm(Transpose transA, int m, float alpha, MemorySegment a, long aOff, long lda, PackedMatrix b,
            float beta, MemorySegment c, long cOff, long ldc) {
        KernelArgs.gemmPacked(body, transA, m, a, aOff, lda, b, c, cOff, ldc);
        body.gemm(transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc);
    }

    @Override
    public String toString() {
        return name();
    }
}
