package io.attn4j.engine.internal;

import java.lang.foreign.MemorySegment;

/**
 * Argument checks shared by every public entry point, so that a bad call fails before anything is
 * written, with a message that names the argument.
 */
public final class Checks {
    private Checks() {
    }

    /** @throws IllegalArgumentException unless {@code 0 <= index < size} */
    public static void index(String name, long index, long size) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException(name + " " + index + " out of range [0, " + size + ")");
        }
    }

    /** @throws IllegalArgumentException if {@code value < 0} */
    public static void nonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    /**
     * Checks that the float elements {@code offset + r * ld + c}, for {@code r < rows} and
     * {@code c < cols}, lie inside {@code segment}, and that the segment is still alive.
     *
     * @throws IllegalArgumentException naming {@code name} if any of them is out of bounds or
     *         {@code ld < cols} for a matrix of more than one row
     * @throws IllegalStateException if the segment's arena is closed
     */
    public static void floats(String name, MemorySegment segment, long offset, long rows, long cols, long ld) {
        if (segment == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(name + ": the arena that owns this memory is closed");
        }
        if (offset < 0 || rows < 0 || cols < 0) {
            throw new IllegalArgumentException(
                    name + ": negative offset/rows/cols (" + offset + ", " + rows + ", " + cols + ")");
        }
        if (rows > 1 && ld < cols) {
            throw new IllegalArgumentException(name + ": leading dimension " + ld + " < row length " + cols);
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long last = end(offset, rows, cols, ld); // one past the last element read or written
        long capacity = segment.byteSize() / Float.BYTES;
        if (last > capacity) {
            throw new IllegalArgumentException(name + ": " + rows + "x" + cols + " floats at offset " + offset
                    + " with leading dimension " + ld + " need " + last + " floats, segment holds " + capacity);
        }
    }

    /** {@link #floats} for a contiguous vector of {@code n} floats. */
    public static void floats(String name, MemorySegment segment, long offset, long n) {
        floats(name, segment, offset, 1, n, n);
    }

    /** Like {@link #floats} for a matrix of bytes (boolean masks). */
    public static void bytes(String name, MemorySegment segment, long offset, long rows, long cols, long ld) {
        if (segment == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(name + ": the arena that owns this memory is closed");
        }
        if (offset < 0 || rows < 0 || cols < 0) {
            throw new IllegalArgumentException(
                    name + ": negative offset/rows/cols (" + offset + ", " + rows + ", " + cols + ")");
        }
        if (rows > 1 && ld < cols && ld != 0) {
            throw new IllegalArgumentException(name + ": leading dimension " + ld + " < row length " + cols);
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long last = end(offset, rows, cols, ld);
        if (last > segment.byteSize()) {
            throw new IllegalArgumentException(name + ": " + rows + "x" + cols + " bytes at offset " + offset
                    + " with leading dimension " + ld + " need " + last + " bytes, segment holds "
                    + segment.byteSize());
        }
    }

    /**
     * {@code offset + (rows - 1) * ld + cols}, or {@link Long#MAX_VALUE} when that overflows: a
     * wrapped-around sum would look small and let a huge leading dimension past the bounds check.
     */
    private static long end(long offset, long rows, long cols, long ld) {
        try {
            return Math.addExact(Math.addExact(offset, Math.multiplyExact(rows - 1, ld)), cols);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }
}
