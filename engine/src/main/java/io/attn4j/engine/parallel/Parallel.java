package io.attn4j.engine.parallel;

import io.attn4j.engine.internal.KernelArgs;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.SoftmaxMask;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Splits kernel work over an {@link Executor} that the caller controls.
 *
 * <p>Splits fall only between whole rows (or columns) of an output, and each output element is
 * computed by the same single-threaded kernel code whichever block it lands in, so results are
 * bit-identical for any executor and thread count. The calling thread takes part in the work, so
 * a call from inside a task of the same executor cannot deadlock. Memory of a confined arena can
 * only be touched by its owner thread, so such calls run on the calling thread alone.
 */
public final class Parallel {
    /** Below this many multiply-adds per task, a split costs more than it saves. */
    private static final long MIN_FLOPS_PER_TASK = 1L << 18;
    /** A thread that owns no arena: a segment it may not access is confined to another thread. */
    private static final Thread NON_OWNER = Thread.ofVirtual().unstarted(() -> {
    });

    private static final class Shared {
        static final ExecutorService POOL = Executors.newFixedThreadPool(
                Runtime.getRuntime().availableProcessors(), Thread.ofPlatform().daemon().name("attn4j-", 0).factory());
    }

    private Parallel() {
    }

    /** The default executor: one daemon pool of {@code availableProcessors()} threads per JVM. */
    public static Executor sharedExecutor() {
        return Shared.POOL;
    }

    /** Threads that {@code executor} is assumed to offer: the core count. */
    public static int parallelism() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i} in {@code [0, tasks)}, on up to
     * {@link #parallelism()} threads including the caller, and returns when all are done.
     * The first exception thrown by a task is rethrown (others are suppressed into it).
     */
    public static void forEach(Executor executor, int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        int helpers = Math.min(tasks, parallelism()) - 1;
        if (helpers <= 0 || executor == null) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(tasks);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int i; (i = next.getAndIncrement()) < tasks;) {
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    if (!failure.compareAndSet(null, t)) {
                        failure.get().addSuppressed(t);
                    }
                } finally {
                    done.countDown();
                }
            }
        };
        for (int h = 0; h < helpers; h++) {
            executor.execute(worker);
        }
        worker.run();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for parallel tasks", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
    }

    /**
     * {@link Kernels#gemm} split into blocks of rows of C (or of columns, when C is wide and
     * short), one task each. Same contract and same result bits as the single-threaded call.
     */
    public static void gemm(Kernels kernels, Executor executor, Transpose transA, Transpose transB,
            int m, int n, int k, float alpha, MemorySegment a, long aOff, long lda,
            MemorySegment b, long bOff, long ldb, float beta, MemorySegment c, long cOff, long ldc) {
        boolean byRows = m >= n;
        int extent = byRows ? m : n;
        int tasks = gemmTasks((long) m * n * Math.max(k, 1), extent);
        if (tasks <= 1 || !shareable(a) || !shareable(b) || !shareable(c)) {
            kernels.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        // Check the whole call first: the per-block calls check only their own blocks.
        KernelArgs.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        int block = blockSize(extent, tasks);
        forEach(executor, (extent + block - 1) / block, t -> {
            int from = t * block, len = Math.min(block, extent - from);
            if (byRows) {
                long aAt = aOff + (transA == Transpose.NO ? from * lda : from);
                kernels.gemm(transA, transB, len, n, k, alpha, a, aAt, lda, b, bOff, ldb, beta, c, cOff + from * ldc,
                        ldc);
            } else {
                long bAt = bOff + (transB == Transpose.NO ? from : from * ldb);
                kernels.gemm(transA, transB, m, len, k, alpha, a, aOff, lda, b, bAt, ldb, beta, c, cOff + from, ldc);
            }
        });
    }

    /**
     * {@link Kernels#gemm(Transpose, int, float, MemorySegment, long, long, PackedMatrix, float, MemorySegment, long, long)}
     * split into blocks of rows of C, one task each, all reading the one packed B. Same contract and
     * same result bits as the single-threaded call.
     */
    public static void gemm(Kernels kernels, Executor executor, Transpose transA, int m, float alpha, MemorySegment a,
            long aOff, long lda, PackedMatrix b, float beta, MemorySegment c, long cOff, long ldc) {
        int tasks = b == null ? 1 : gemmTasks((long) m * b.n() * Math.max(b.k(), 1), m);
        if (tasks <= 1 || !shareable(a) || !shareable(c)) {
            kernels.gemm(transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc);
            return;
        }
        // Check the whole call first: the per-block calls check only their own blocks.
        KernelArgs.gemmPacked(kernels, transA, m, a, aOff, lda, b, c, cOff, ldc);
        int block = blockSize(m, tasks);
        forEach(executor, (m + block - 1) / block, t -> {
            int from = t * block, len = Math.min(block, m - from);
            long aAt = aOff + (transA == Transpose.NO ? from * lda : from);
            kernels.gemm(transA, len, alpha, a, aAt, lda, b, beta, c, cOff + from * ldc, ldc);
        });
    }

    /** {@link Kernels#softmaxRows} split into blocks of rows. Same contract and result bits. */
    public static void softmaxRows(Kernels kernels, Executor executor, int rows, int cols, float scale,
            MemorySegment x, long xOff, long ldx, SoftmaxMask mask,
            MemorySegment out, long outOff, long ldo) {
        KernelArgs.softmax(rows, cols, x, xOff, ldx, mask, out, outOff, ldo);
        int tasks = (int) Math.min(Math.min(rows, 4L * parallelism()),
                Math.max(1, (long) rows * cols / (MIN_FLOPS_PER_TASK / 8)));
        if (tasks <= 1 || !shareable(x) || !shareable(out) || mask != null
                && (!shareable(mask.additive()) || !shareable(mask.excluded()))) {
            kernels.softmaxRows(rows, cols, scale, x, xOff, ldx, mask, out, outOff, ldo);
            return;
        }
        int block = (rows + tasks - 1) / tasks;
        forEach(executor, (rows + block - 1) / block, t -> {
            int from = t * block, len = Math.min(block, rows - from);
            kernels.softmaxRows(len, cols, scale, x, xOff + from * ldx, ldx, shift(mask, from), out,
                    outOff + from * ldo, ldo);
        });
    }

    /** True unless {@code s} is confined to one thread (null, an absent operand, is shareable). */
    private static boolean shareable(MemorySegment s) {
        return s == null || s.isAccessibleBy(NON_OWNER);
    }

    /** The mask as seen from row {@code from} on. */
    private static SoftmaxMask shift(SoftmaxMask mask, int from) {
        if (mask == null) {
            return null;
        }
        return new SoftmaxMask(mask.additive(), mask.addOffset() + from * mask.addLd(), mask.addLd(),
                mask.excluded(), mask.exOffset() + from * mask.exLd(), mask.exLd());
    }

    /** Tasks for a product of {@code flops} multiply-adds split along {@code extent} rows or columns. */
    private static int gemmTasks(long flops, int extent) {
        int tasks = (int) Math.min(4L * parallelism(), Math.max(1, flops / MIN_FLOPS_PER_TASK));
        return Math.min(tasks, Math.max(1, extent / 16));
    }

    private static int blockSize(int extent, int tasks) {
        int block = (extent + tasks - 1) / tasks;
        // A multiple of 16: whole column slivers at 128 and 256 bits. Row splits can still cut a
        // 6-row micro-tile; that costs one partial tile per task, never a result bit.
        return (block + 15) & ~15;
    }
}
