package io.attn4j.engine.internal.vector.gemm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * A {@code rows x cols} float matrix at element {@code offset} of its own segment, with leading
 * dimension {@code ld}; every float of the segment outside the matrix holds {@link #SENTINEL},
 * so that a test can tell whether a kernel wrote outside its output.
 */
record Operand(MemorySegment segment, long offset, int rows, int cols, long ld) {
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Fill of the floats around a matrix: a value no kernel result here can take. */
    static final float SENTINEL = -7.25e19f;

    /**
     * A matrix of values {@code scale * N(0, 1)}, with about one in eight an exact zero of
     * either sign; {@code pad} spare floats end each row and two follow the last.
     */
    static Operand random(Arena arena, SplittableRandom r, int rows, int cols, int pad, int offset, float scale) {
        Operand o = empty(arena, rows, cols, pad, offset);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float v = switch (r.nextInt(16)) {
                    case 0 -> 0f;
                    case 1 -> -0f;
                    default -> (float) (scale * r.nextGaussian());
                };
                o.set(i, j, v);
            }
        }
        return o;
    }

    /** A matrix filled with {@code value}. */
    static Operand filled(Arena arena, int rows, int cols, int pad, int offset, float value) {
        Operand o = empty(arena, rows, cols, pad, offset);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                o.set(i, j, value);
            }
        }
        return o;
    }

    private static Operand empty(Arena arena, int rows, int cols, int pad, int offset) {
        long ld = Math.max(1, cols + pad);
        long floats = offset + (long) rows * ld + 2;
        MemorySegment s = arena.allocate(4 * floats, 64);
        for (long i = 0; i < floats; i++) {
            s.setAtIndex(FLOAT, i, SENTINEL);
        }
        return new Operand(s, offset, rows, cols, ld);
    }

    float get(int i, int j) {
        return segment.getAtIndex(FLOAT, offset + i * ld + j);
    }

    void set(int i, int j, float v) {
        segment.setAtIndex(FLOAT, offset + i * ld + j, v);
    }

    /** A copy in a new segment of the same layout, sentinels included. */
    Operand copy(Arena arena) {
        MemorySegment s = arena.allocate(segment.byteSize(), 64);
        s.copyFrom(segment);
        return new Operand(s, offset, rows, cols, ld);
    }

    /** The index of the first float outside the matrix that no longer holds the sentinel, or -1. */
    long firstOverwrittenOutside() {
        long floats = segment.byteSize() / 4;
        for (long p = 0; p < floats; p++) {
            long q = p - offset;
            boolean inside = q >= 0 && q / ld < rows && q % ld < cols;
            if (!inside && Float.floatToRawIntBits(segment.getAtIndex(FLOAT, p)) != Float.floatToRawIntBits(SENTINEL)) {
                return p;
            }
        }
        return -1;
    }
}
