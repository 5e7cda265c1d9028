package io.attn4j.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every rejected {@link Tensor} call: the documented exception, a message naming what was wrong,
 * and the data left as it was.
 */
class TensorErrorsTest {
    private final Arena arena = Arena.ofConfined();
    private final float[] original = {1, 2, 3, 4, 5, 6};
    private final Tensor t = Tensor.of(arena, original, 2, 3);

    @AfterEach
    void close() {
        arena.close();
    }

    /** Runs {@code call}, expects an IllegalArgumentException mentioning {@code words}, and an unchanged t. */
    private void rejected(Executable call, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "message '" + e.getMessage() + "' should mention '" + w + "'");
        }
        assertArrayEquals(original, t.toFloatArray(), "data changed by a rejected call");
    }

    @Test
    void outOfRangeIndices() {
        rejected(() -> t.get(2, 0), "index[0]", "2", "[0, 2)");
        rejected(() -> t.get(0, 3), "index[1]", "3");
        rejected(() -> t.get(-1, 0), "index[0]", "-1");
        rejected(() -> t.set(9f, 0, 3), "index[1]");
        rejected(() -> t.set(9f, 1), "1 indices", "rank 2");
        rejected(() -> t.get(0, 0, 0), "3 indices");
        rejected(() -> t.row(2), "index", "2");
        rejected(() -> t.select(1, -1), "index");
    }

    @Test
    void outOfRangeAxesAndSlices() {
        rejected(() -> t.slice(2, 0, 1), "axis 2");
        rejected(() -> t.slice(-3, 0, 1), "axis -3");
        rejected(() -> t.slice(1, 0, 4), "[0, 4)", "axis 1", "size 3");
        rejected(() -> t.slice(1, 2, 1), "[2, 1)");
        rejected(() -> t.slice(0, -1, 1), "[-1, 1)");
        rejected(() -> t.select(2, 0), "axis 2");
        rejected(() -> t.transpose(0, 2), "axis 2");
        rejected(() -> t.row(0).transpose(), "rank >= 2");
        rejected(() -> t.row(0).row(0).row(0), "axis 0", "rank 0");
        rejected(() -> t.dim(2), "axis");
        rejected(() -> t.stride(-3), "axis");
    }

    @Test
    void badReshapes() {
        rejected(() -> t.reshape(4, 2), "[2, 3]", "6 elements", "[4, 2]");
        rejected(() -> t.reshape(-1, 4), "[-1, 4]");
        rejected(() -> t.reshape(-1, -1), "-1");
        rejected(() -> t.reshape(-2, 3), "-2");
        rejected(() -> t.reshape(0, -1), "[0, -1]");
        rejected(() -> t.transpose().reshape(6), "contiguous");
        rejected(() -> t.slice(1, 0, 2).reshape(4), "contiguous");
    }

    @Test
    void wrongDType() {
        Tensor bytes = Tensor.allocate(arena, DType.I8, 2, 3);
        Tensor halves = Tensor.allocate(arena, DType.BF16, 2);
        rejected(() -> bytes.get(0, 0), "F32", "I8");
        rejected(() -> bytes.set(1f, 0, 0), "F32", "I8");
        rejected(() -> bytes.fill(1f), "I8");
        rejected(() -> bytes.copyFrom(new float[6]), "I8");
        rejected(() -> bytes.toFloatArray(), "I8");
        rejected(() -> halves.get(0), "BF16");
        assertArrayEquals(new byte[6], bytes.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }

    @Test
    void shapeMismatchInCopyFromWritesNothing() {
        rejected(() -> t.copyFrom(new float[]{9, 9, 9, 9, 9}), "5 values", "[2, 3]", "6 elements");
        rejected(() -> t.copyFrom(new float[7]), "7 values");
        rejected(() -> t.transpose().copyFrom(new float[5]), "5 values", "[3, 2]");
        rejected(() -> t.row(1).copyFrom(new float[6]), "6 values", "[3]");
    }

    @Test
    void badShapesAtAllocation() {
        rejected(() -> Tensor.allocate(arena, DType.F32, 2, -1), "negative", "[2, -1]");
        rejected(() -> Tensor.allocate(arena, DType.F32, Long.MAX_VALUE / 2, 3), "overflows");
        rejected(() -> Tensor.allocate(arena, DType.F32, Long.MAX_VALUE / 2), "overflows");
        rejected(() -> Tensor.of(arena, new float[5], 2, 3), "5 values");
        MemorySegment small = arena.allocate(20);
        rejected(() -> Tensor.wrap(small, DType.F32, 2, 3), "20 bytes", "24 bytes");
    }

    @Test
    void closedArenaIsAnIllegalStateOnEveryAccess() {
        Arena other = Arena.ofConfined();
        Tensor dead = Tensor.allocate(other, DType.F32, 2, 3);
        Tensor view = dead.transpose();
        other.close();
        assertThrows(IllegalStateException.class, () -> dead.get(0, 0));
        assertThrows(IllegalStateException.class, () -> dead.set(1f, 0, 0));
        assertThrows(IllegalStateException.class, () -> dead.fill(1f));
        assertThrows(IllegalStateException.class, () -> dead.copyFrom(new float[6]));
        assertThrows(IllegalStateException.class, dead::toFloatArray);
        assertThrows(IllegalStateException.class, () -> view.get(1, 1));
        assertThrows(IllegalStateException.class, () -> view.copyFrom(new float[6]));
        assertThrows(IllegalStateException.class, () -> dead.row(1).toFloatArray());
        assertThrows(IllegalStateException.class, () -> Tensor.allocate(other, DType.F32, 4));
    }
}
