package io.attn4j.bench;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Benchmark operands: 64-byte aligned float32 segments from one arena that {@link #close} frees,
 * filled from a fixed seed so every fork and every implementation sees the same numbers.
 */
final class SeededSegments implements AutoCloseable {
    private static final long SEED = 0x5EED_A77E;

    private final Arena arena = Arena.ofShared();
    private final SplittableRandom random = new SplittableRandom(SEED);

    /** {@code count} floats drawn uniformly from [-1, 1). */
    MemorySegment uniform(long count) {
        MemorySegment s = allocate(count);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) random.nextDouble(-1, 1));
        }
        return s;
    }

    /** {@code count} floats drawn from N(0, 1). */
    MemorySegment gaussian(long count) {
        MemorySegment s = allocate(count);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) random.nextGaussian());
        }
        return s;
    }

    /** {@code count} floats, all zero. */
    MemorySegment allocate(long count) {
        return Tensor.allocate(arena, DType.F32, count).segment();
    }

    @Override
    public void close() {
        arena.close();
    }

    /**
     * The dimensions of a shape parameter such as {@code "2048x64x2048"}.
     *
     * @throws IllegalArgumentException unless it has {@code rank} positive dimensions
     */
    static int[] dims(String shape, int rank) {
        int[] d = Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
        if (d.length != rank || Arrays.stream(d).anyMatch(x -> x <= 0)) {
            throw new IllegalArgumentException(
                    "shape " + shape + ": expected " + rank + " positive dimensions joined by 'x'");
        }
        return d;
    }
}
