package io.attn4j.model.graph;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Copies weights into a graph's memory, 64-byte aligned for the kernels. */
final class Weights {
    private Weights() {
    }

    static MemorySegment copy(Arena arena, float[] values) {
        MemorySegment s = arena.allocate(Math.max(1L, (long) values.length * Float.BYTES), 64);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        return s;
    }
}
