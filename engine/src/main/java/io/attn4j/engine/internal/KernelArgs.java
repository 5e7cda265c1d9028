package io.attn4j.engine.internal;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.SoftmaxMask;
import io.attn4j.engine.kernel.Transpose;

import java.lang.foreign.MemorySegment;

/**
 * The argument checks of every {@link Kernels} method, shared by all implementations so that each
 * rejects exactly the same calls, before writing anything.
 */
public final class KernelArgs {
    private KernelArgs() {
    }

    public static void vector(String name, int n, MemorySegment s, long off) {
        Checks.nonNegative("n", n);
        Checks.floats(name, s, off, n);
    }

    public static void unary(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        vector("x", n, x, xOff);
        vector("out", n, out, outOff);
    }

    public static void binary(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out,
            long outOff) {
        vector("a", n, a, aOff);
        vector("b", n, b, bOff);
        vector("out", n, out, outOff);
    }

    public static void softmax(int rows, int cols, MemorySegment x, long xOff, long ldx, SoftmaxMask mask,
            MemorySegment out, long outOff, long ldo) {
        Checks.nonNegative("rows", rows);
        Checks.nonNegative("cols", cols);
        Checks.floats("x", x, xOff, rows, cols, ldx);
        Checks.floats("out", out, outOff, rows, cols, ldo);
        if (mask != null) {
            if (mask.additive() != null) {
                Checks.floats("mask.additive", mask.additive(), mask.addOffset(), mask.addLd() == 0 ? 1 : rows, cols,
                        mask.addLd());
            }
            if (mask.excluded() != null) {
                Checks.bytes("mask.excluded", mask.excluded(), mask.exOffset(), mask.exLd() == 0 ? 1 : rows, cols,
                        mask.exLd());
            }
        }
    }

    public static void gemv(Transpose transA, int m, int n, MemorySegment a, long aOff, long lda,
            MemorySegment x, long xOff, MemorySegment y, long yOff) {
        Checks.nonNegative("m", m);
        Checks.nonNegative("n", n);
        requireNonNull("transA", transA);
        Checks.floats("A", a, aOff, m, n, lda);
        boolean t = transA == Transpose.YES;
        Checks.floats("x", x, xOff, t ? m : n);
        Checks.floats("y", y, yOff, t ? n : m);
    }

    public static void gemm(Transpose transA, Transpose transB, int m, int n, int k,
            MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
            MemorySegment c, long cOff, long ldc) {
        Checks.nonNegative("m", m);
        Checks.nonNegative("n", n);
        Checks.nonNegative("k", k);
        requireNonNull("transA", transA);
        requireNonNull("transB", transB);
        if (transA == Transpose.NO) {
            Checks.floats("A", a, aOff, m, k, lda);
        } else {
            Checks.floats("A", a, aOff, k, m, lda);
        }
        if (transB == Transpose.NO) {
            Checks.floats("B", b, bOff, k, n, ldb);
        } else {
            Checks.floats("B", b, bOff, n, k, ldb);
        }
        Checks.floats("C", c, cOff, m, n, ldc);
    }

    public static void packB(Transpose transB, int k, int n, MemorySegment b, long bOff, long ldb) {
        Checks.nonNegative("k", k);
        Checks.nonNegative("n", n);
        requireNonNull("transB", transB);
        if (transB == Transpose.NO) {
            Checks.floats("B", b, bOff, k, n, ldb);
        } else {
            Checks.floats("B", b, bOff, n, k, ldb);
        }
    }

    public static void gemmPacked(Kernels kernels, Transpose transA, int m, MemorySegment a, long aOff, long lda,
            PackedMatrix b, MemorySegment c, long cOff, long ldc) {
        Checks.nonNegative("m", m);
        requireNonNull("transA", transA);
        requireNonNull("b", b);
        if (!b.packedBy().equals(kernels.name())) {
            throw new IllegalArgumentException("b was packed by " + b.packedBy() + ", not by " + kernels.name());
        }
        if (transA == Transpose.NO) {
            Checks.floats("A", a, aOff, m, b.k(), lda);
        } else {
            Checks.floats("A", a, aOff, b.k(), m, lda);
        }
        Checks.floats("C", c, cOff, m, b.n(), ldc);
    }

    private static void requireNonNull(String name, Object o) {
        if (o == null) {
            throw new IllegalArgumentException(name + " is null");
        }
    }
}
