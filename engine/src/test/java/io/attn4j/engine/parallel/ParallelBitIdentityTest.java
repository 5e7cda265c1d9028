package io.attn4j.engine.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.SoftmaxMask;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.engine.testing.TestKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link Parallel} on executors of 2 to 4 threads gives the same bits as one call of the vector
 * kernel on the calling thread. Every shape here is large enough to be split; the executor
 * counts its tasks, so a property that was never split fails instead of passing vacuously.
 */
@Tag("vector-width")
class ParallelBitIdentityTest {
    private static final Kernels VECTOR = TestKernels.vector();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Pools of 2, 3 and 4 daemon threads, shared by all trials. */
    private static final ExecutorService[] POOLS = {pool(2), pool(3), pool(4)};

    private static ExecutorService pool(int threads) {
        return Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().factory());
    }

    @AfterAll
    static void closePools() {
        for (ExecutorService pool : POOLS) {
            pool.shutdownNow();
        }
    }

    @Test
    void gemmIsBitIdenticalToOneCall() {
        gemmSplitsMatchOneCall(60, false);
    }

    @Test
    void gemmWithPackedBIsBitIdenticalToOneUnpackedCall() {
        gemmSplitsMatchOneCall(30, true);
    }

    /** Parallel.gemm, on B as given or packed once by packB, against one unpacked single-threaded call. */
    private static void gemmSplitsMatchOneCall(int trials, boolean packed) {
        RandomTrials.run(trials, r -> {
            int m = sizeIn(r, 96, 300), n = sizeIn(r, 96, 300), k = sizeIn(r, 64, 700);
            Transpose transA = transpose(r), transB = transpose(r);
            int threads = r.nextInt(2, 5);
            float alpha = (float) r.nextDouble(-2, 2), beta = r.nextBoolean() ? 0f : (float) r.nextDouble(-2, 2);
            try (Arena arena = Arena.ofShared()) {
                // m, n >= 96 and k >= 64 make more than 2 * 2^18 multiply-adds: always split in two or more
                MemorySegment a = random(arena, r, (long) m * k), b = random(arena, r, (long) k * n);
                MemorySegment c0 = random(arena, r, (long) m * n);
                int lda = transA == Transpose.NO ? k : m, ldb = transB == Transpose.NO ? n : k;
                MemorySegment one = copy(arena, c0), split = copy(arena, c0);
                VECTOR.gemm(transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, one, 0, n);
                CountingExecutor executor = new CountingExecutor(POOLS[threads - 2]);
                if (packed) {
                    PackedMatrix pb = VECTOR.packB(transB, k, n, b, 0, ldb);
                    Parallel.gemm(VECTOR, executor, transA, m, alpha, a, 0, lda, pb, beta, split, 0, n);
                } else {
                    Parallel.gemm(VECTOR, executor, transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, split,
                            0, n);
                }
                assertSplit(executor);
                assertArrayEquals(bits(one), bits(split),
                        () -> m + " x " + n + " x " + k + ", " + transA + "/" + transB + (packed ? " packed" : "")
                                + ", beta " + beta + ", " + threads + " threads");
            }
        });
    }

    @Test
    void softmaxRowsIsBitIdenticalToOneCall() {
        RandomTrials.run(40, r -> {
            int rows = sizeIn(r, 128, 300), cols = sizeIn(r, 512, 1200);
            int threads = r.nextInt(2, 5);
            boolean masked = r.nextBoolean();
            float scale = (float) r.nextDouble(0.05, 2);
            try (Arena arena = Arena.ofShared()) {
                // rows * cols >= 2^16 elements: always split in two or more
                MemorySegment x = random(arena, r, (long) rows * cols);
                SoftmaxMask mask = masked ? SoftmaxMask.additive(random(arena, r, (long) rows * cols), 0, cols) : null;
                MemorySegment one = arena.allocate(4L * rows * cols, 64), split = arena.allocate(4L * rows * cols, 64);
                VECTOR.softmaxRows(rows, cols, scale, x, 0, cols, mask, one, 0, cols);
                CountingExecutor executor = new CountingExecutor(POOLS[threads - 2]);
                Parallel.softmaxRows(VECTOR, executor, rows, cols, scale, x, 0, cols, mask, split, 0, cols);
                assertSplit(executor);
                assertArrayEquals(bits(one), bits(split),
                        () -> rows + " x " + cols + (masked ? " masked" : "") + ", " + threads + " threads");
            }
        });
    }

    /**
     * A size in [lo, hi], one of the two ends one time in four: lo is the smallest shape that is
     * still always split, hi the largest tried.
     */
    private static int sizeIn(SplittableRandom r, int lo, int hi) {
        if (r.nextInt(4) == 0) {
            return r.nextBoolean() ? lo : hi;
        }
        return r.nextInt(lo, hi + 1);
    }

    private static Transpose transpose(SplittableRandom r) {
        return Transpose.values()[r.nextInt(Transpose.values().length)];
    }

    private static void assertSplit(CountingExecutor executor) {
        if (Parallel.parallelism() > 1) {
            assertTrue(executor.tasks.get() > 0, "the call was not split");
        }
    }

    /** An executor that counts the tasks handed to it. */
    private static final class CountingExecutor implements Executor {
        final AtomicInteger tasks = new AtomicInteger();
        private final Executor pool;

        CountingExecutor(Executor pool) {
            this.pool = pool;
        }

        @Override
        public void execute(Runnable task) {
            tasks.incrementAndGet();
            pool.execute(task);
        }
    }

    private static MemorySegment random(Arena arena, SplittableRandom r, long floats) {
        MemorySegment s = arena.allocate(4 * floats, 64);
        for (long i = 0; i < floats; i++) {
            s.setAtIndex(FLOAT, i, (float) r.nextGaussian());
        }
        return s;
    }

    private static MemorySegment copy(Arena arena, MemorySegment s) {
        MemorySegment c = arena.allocate(s.byteSize(), 64);
        c.copyFrom(s);
        return c;
    }

    private static int[] bits(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_INT);
    }
}
