package io.attn4j.engine.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.SoftmaxMask;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.testing.TestKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link Parallel} checks the whole call before it splits: a bad call is rejected with the
 * kernels' exception and writes nothing, even when the shape is large enough to be split.
 */
class ParallelArgsTest {
    /** Large enough that Parallel splits it into several tasks (2^21 multiply-adds). */
    private static final int D = 128;
    /** Rows and columns of a softmax that Parallel splits (2^16 elements). */
    private static final int R = 256;
    private static final Transpose NO = Transpose.NO;
    private final Kernels kernels = TestKernels.scalar();
    private final Executor pool = Parallel.sharedExecutor();

    private static MemorySegment random(Arena arena, long floats, long seed) {
        MemorySegment s = arena.allocate(4 * floats, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < floats; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextDouble(-1, 1));
        }
        return s;
    }

    private static void rejectedWithoutWriting(Class<? extends RuntimeException> thrown, String name,
            MemorySegment output, Executable call) {
        byte[] before = output.toArray(ValueLayout.JAVA_BYTE);
        RuntimeException e = assertThrows(thrown, call);
        assertTrue(e.getMessage().startsWith(name), e.getMessage());
        assertArrayEquals(before, output.toArray(ValueLayout.JAVA_BYTE), "output written by a rejected call");
    }

    @Test
    void gemmRejectsASplittableCallBeforeAnyTaskWrites() {
        try (Arena arena = Arena.ofShared()) {
            // A has room for one more row than C, so that a C one row short is what is wrong
            MemorySegment a = random(arena, (long) (D + 1) * D, 1), b = random(arena, (long) D * D, 2);
            MemorySegment c = random(arena, (long) D * D, 3);
            // C one row short: every task but the last would be valid on its own
            rejectedWithoutWriting(IllegalArgumentException.class, "C", c, () -> Parallel.gemm(kernels, pool, NO, NO,
                    D + 1, D, D, 1f, a, 0, D, b, 0, D, 0f, c, 0, D));
            rejectedWithoutWriting(IllegalArgumentException.class, "C", c, () -> Parallel.gemm(kernels, pool, NO, NO,
                    D, D, D, 1f, a, 0, D, b, 0, D, 0f, c, 1, D));
            rejectedWithoutWriting(IllegalArgumentException.class, "C", c, () -> Parallel.gemm(kernels, pool, NO, NO,
                    D, D, D, 1f, a, 0, D, b, 0, D, 0f, c, 0, D - 1));
            rejectedWithoutWriting(IllegalArgumentException.class, "A", c, () -> Parallel.gemm(kernels, pool, NO, NO,
                    D, D, D, 1f, a, D + 1, D, b, 0, D, 0f, c, 0, D));
            rejectedWithoutWriting(IllegalArgumentException.class, "B", c,
                    () -> Parallel.gemm(kernels, pool, NO, Transpose.YES,
                            D, D + 1, D, 1f, a, 0, D, b, 0, D, 0f, c, 0, D + 1));
            rejectedWithoutWriting(IllegalArgumentException.class, "m", c, () -> Parallel.gemm(kernels, pool, NO, NO,
                    -D, -D, D, 1f, a, 0, D, b, 0, D, 0f, c, 0, D));
            rejectedWithoutWriting(IllegalArgumentException.class, "transB", c,
                    () -> Parallel.gemm(kernels, pool, NO, null,
                            D, D, D, 1f, a, 0, D, b, 0, D, 0f, c, 0, D));
            Arena closed = Arena.ofShared();
            MemorySegment dead = closed.allocate(4L * D * D);
            closed.close();
            rejectedWithoutWriting(IllegalStateException.class, "B", c, () -> Parallel.gemm(kernels, pool, NO, NO,
                    D, D, D, 1f, a, 0, D, dead, 0, D, 0f, c, 0, D));
        }
    }

    @Test
    void softmaxRowsRejectsASplittableCallBeforeAnyTaskWrites() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = random(arena, (long) R * R, 4), out = random(arena, (long) R * R, 5);
            MemorySegment mask = arena.allocate((long) R * R);
            rejectedWithoutWriting(IllegalArgumentException.class, "out", out, () -> Parallel.softmaxRows(kernels, pool,
                    R, R, 1f, x, 0, R, null, out, 1, R));
            rejectedWithoutWriting(IllegalArgumentException.class, "x", out, () -> Parallel.softmaxRows(kernels, pool,
                    R + 1, R, 1f, x, 0, R, null, out, 0, R - 1));
            rejectedWithoutWriting(IllegalArgumentException.class, "mask.excluded", out,
                    () -> Parallel.softmaxRows(kernels,
                            pool, R, R, 1f, x, 0, R, SoftmaxMask.excluded(mask, 1, R), out, 0, R));
            rejectedWithoutWriting(IllegalArgumentException.class, "rows", out,
                    () -> Parallel.softmaxRows(kernels, pool,
                            -R, R, 1f, x, 0, R, null, out, 0, R));
        }
    }

    @Test
    void aConfinedArenaIsComputedOnTheCallingThreadWithTheSameBits() {
        try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined()) {
            MemorySegment a = random(confined, (long) D * D, 6), b = random(confined, (long) D * D, 7);
            MemorySegment c = confined.allocate(4L * D * D, 64), expected = shared.allocate(4L * D * D, 64);
            Parallel.gemm(kernels, pool, NO, NO, D, D, D, 1f, a, 0, D, b, 0, D, 0f, c, 0, D);
            kernels.gemm(NO, NO, D, D, D, 1f, a, 0, D, b, 0, D, 0f, expected, 0, D);
            assertArrayEquals(expected.toArray(ValueLayout.JAVA_BYTE), c.toArray(ValueLayout.JAVA_BYTE));
            MemorySegment x = random(confined, (long) R * R, 8), out = confined.allocate(4L * R * R, 64);
            MemorySegment want = shared.allocate(4L * R * R, 64);
            Parallel.softmaxRows(kernels, pool, R, R, 0.5f, x, 0, R, null, out, 0, R);
            kernels.softmaxRows(R, R, 0.5f, x, 0, R, null, want, 0, R);
            assertArrayEquals(want.toArray(ValueLayout.JAVA_BYTE), out.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
