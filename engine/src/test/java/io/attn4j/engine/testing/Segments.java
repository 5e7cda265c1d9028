package io.attn4j.engine.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Test operands: segments from a test's arena ({@code try (Arena arena = Arena.ofConfined())}),
 * holding a copy of an array at an element offset. The segment ends right after the data, so a
 * kernel that reads or writes past it fails with an exception, and the elements before the offset
 * are NaN, so a kernel that reads them produces NaN.
 */
public final class Segments {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Segments() {
    }

    /** {@code offset + values.length} floats, 64-byte aligned: NaN, then {@code values}. */
    public static MemorySegment floats(Arena arena, long offset, float... values) {
        MemorySegment s = arena.allocate(Float.BYTES * (offset + values.length), 64);
        for (long i = 0; i < offset; i++) {
            s.setAtIndex(FLOAT, i, Float.NaN);
        }
        MemorySegment.copy(values, 0, s, FLOAT, Float.BYTES * offset, values.length);
        return s;
    }

    /** {@code offset + values.length} bytes: 0, then {@code values}. */
    public static MemorySegment bytes(Arena arena, long offset, byte... values) {
        MemorySegment s = arena.allocate(offset + values.length, 64);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_BYTE, offset, values.length);
        return s;
    }

    /** {@code n} floats of {@code s} from element {@code offset}. */
    public static float[] read(MemorySegment s, long offset, int n) {
        float[] out = new float[n];
        MemorySegment.copy(s, FLOAT, Float.BYTES * offset, out, 0, n);
        return out;
    }

    /** A fresh segment with the same contents as {@code s}. */
    public static MemorySegment copy(Arena arena, MemorySegment s) {
        return arena.allocate(s.byteSize(), 64).copyFrom(s);
    }
}
