package io.attn4j.attention;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Zero-filling of matrix blocks without slicing (no allocation). */
final class ZeroFill {
    private ZeroFill() {
    }

    /** Sets {@code rows x cols} floats at {@code off} (row stride {@code ld}) to +0. */
    static void rows(MemorySegment seg, long off, int rows, int cols, long ld) {
        for (int r = 0; r < rows; r++) {
            long base = off + r * ld;
            for (int c = 0; c < cols; c++) {
                seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, base + c, 0f);
            }
        }
    }
}
