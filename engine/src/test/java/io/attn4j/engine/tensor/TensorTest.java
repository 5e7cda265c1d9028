package io.attn4j.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a {@link Tensor} does when used correctly: allocation, views, element access, copies. */
class TensorTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    /** A row-major tensor whose element at row-major position i holds i. */
    private Tensor iota(long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        float[] v = new float[(int) t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        t.copyFrom(v);
        return t;
    }

    @Test
    void allocationIsAlignedZeroedRowMajorAndSizedExactly() {
        for (long[] shape : new long[][]{{1}, {3}, {7, 5}, {2, 3, 17}, {0, 4}, {}}) {
            // a small allocation first, so that the next one is not at the start of a fresh block
            arena.allocate(3);
            Tensor t = Tensor.allocate(arena, DType.F32, shape);
            assertEquals(0, t.segment().address() % Tensor.ALIGNMENT, "address of " + t);
            assertEquals(t.size() * 4, t.segment().byteSize());
            assertArrayEquals(new float[(int) t.size()], t.toFloatArray());
            assertTrue(t.isContiguous());
            assertEquals(shape.length, t.rank());
        }
        Tensor t = Tensor.allocate(arena, DType.F32, 2, 3, 4);
        assertArrayEquals(new long[]{12, 4, 1}, t.strides());
        assertEquals(24, t.size());
        assertEquals(0, t.offset());
        assertEquals(DType.F32, t.dtype());
    }

    @Test
    void allocationOfOtherDTypesUsesTheirByteSize() {
        assertEquals(6, Tensor.allocate(arena, DType.I8, 2, 3).segment().byteSize());
        assertEquals(12, Tensor.allocate(arena, DType.BF16, 2, 3).segment().byteSize());
        assertEquals(12, Tensor.allocate(arena, DType.F16, 2, 3).segment().byteSize());
    }

    @Test
    void dimAndStrideAcceptNegativeAxes() {
        Tensor t = Tensor.allocate(arena, DType.F32, 2, 3, 4);
        assertEquals(4, t.dim(-1));
        assertEquals(2, t.dim(-3));
        assertEquals(12, t.stride(-3));
        assertEquals(1, t.stride(2));
    }

    @Test
    void getAndSetAddressRowMajorElements() {
        Tensor t = Tensor.allocate(arena, DType.F32, 3, 4);
        t.set(7.5f, 2, 1);
        assertEquals(7.5f, t.get(2, 1));
        assertEquals(7.5f, t.segment().getAtIndex(ValueLayout.JAVA_FLOAT, 2 * 4 + 1));
        assertEquals(0f, t.get(1, 2));
    }

    @Test
    void sliceAlongEachAxisAddressesTheSameMemory() {
        Tensor t = iota(3, 4, 5); // t[i, j, k] = 20 i + 5 j + k
        Tensor s0 = t.slice(0, 1, 3);
        assertArrayEquals(new long[]{2, 4, 5}, s0.shape());
        assertEquals(20 + 5 * 2 + 3, s0.get(0, 2, 3));
        Tensor s1 = t.slice(1, 2, 4);
        assertArrayEquals(new long[]{3, 2, 5}, s1.shape());
        assertEquals(2 * 20 + 5 * 3 + 4, s1.get(2, 1, 4));
        Tensor s2 = t.slice(-1, 1, 2);
        assertArrayEquals(new long[]{3, 4, 1}, s2.shape());
        assertEquals(20 + 5 * 3 + 1, s2.get(1, 3, 0));
        assertEquals(0, t.slice(1, 2, 2).size());
        // a view shares memory: writing through it is seen by the parent
        s1.set(-1f, 0, 0, 0);
        assertEquals(-1f, t.get(0, 2, 0));
        assertSame(t.segment(), s1.segment());
    }

    @Test
    void selectAndRowDropOneAxis() {
        Tensor t = iota(3, 4, 5);
        Tensor r = t.row(2);
        assertArrayEquals(new long[]{4, 5}, r.shape());
        assertEquals(40 + 5 + 2, r.get(1, 2));
        Tensor mid = t.select(1, 3);
        assertArrayEquals(new long[]{3, 5}, mid.shape());
        assertArrayEquals(new long[]{20, 1}, mid.strides());
        assertEquals(20 + 15 + 4, mid.get(1, 4));
        Tensor last = t.select(-1, 4);
        assertArrayEquals(new long[]{3, 4}, last.shape());
        assertEquals(20 * 2 + 5 * 1 + 4, last.get(2, 1));
        Tensor scalar = t.row(1).row(2).row(3);
        assertEquals(0, scalar.rank());
        assertEquals(20 + 10 + 3, scalar.get());
    }

    @Test
    void reshapeKeepsRowMajorOrderAndInfersOneDimension() {
        Tensor t = iota(2, 3, 4);
        Tensor r = t.reshape(6, -1);
        assertArrayEquals(new long[]{6, 4}, r.shape());
        assertEquals(4 * 5 + 3, r.get(5, 3));
        assertArrayEquals(t.toFloatArray(), r.toFloatArray());
        assertArrayEquals(new long[]{24}, t.reshape(-1).shape());
        assertArrayEquals(new long[]{1, 24, 1}, t.reshape(1, -1, 1).shape());
        // a contiguous view (one whole row) reshapes too, keeping its offset
        Tensor row = t.row(1).reshape(4, 3);
        assertEquals(12 + 3 * 2 + 1, row.get(2, 1));
    }

    @Test
    void transposeSwapsStridesWithoutCopying() {
        Tensor t = iota(3, 4);
        Tensor tt = t.transpose();
        assertArrayEquals(new long[]{4, 3}, tt.shape());
        assertArrayEquals(new long[]{1, 4}, tt.strides());
        assertFalse(tt.isContiguous());
        assertEquals(t.get(2, 1), tt.get(1, 2));
        assertSame(t.segment(), tt.segment());
        Tensor u = iota(2, 3, 4).transpose(0, 2);
        assertArrayEquals(new long[]{4, 3, 2}, u.shape());
        assertEquals(12 + 4 * 2 + 3, u.get(3, 2, 1));
    }

    @Test
    void sizeOneDimensionsDoNotBreakContiguity() {
        Tensor column = iota(4, 1);
        Tensor asRow = column.transpose(); // [1, 4], strides [1, 1]: the same 4 floats in order
        assertTrue(asRow.isContiguous());
        assertArrayEquals(new float[]{0, 1, 2, 3}, asRow.reshape(2, 2).toFloatArray());
        assertTrue(iota(2, 1, 3).transpose(0, 1).isContiguous()); // [1, 2, 3], strides [3, 3, 1]
        assertFalse(iota(3, 4).slice(1, 0, 1).isContiguous()); // [3, 1]: floats 0, 4, 8
    }

    @Test
    void toFloatArrayAndCopyFromFollowRowMajorOrderOfAStridedView() {
        Tensor t = iota(4, 5);
        Tensor view = t.slice(1, 1, 4).transpose(); // [3, 4]: view[j, i] = t[i, j + 1]
        float[] got = view.toFloatArray();
        for (int j = 0; j < 3; j++) {
            for (int i = 0; i < 4; i++) {
                assertEquals(5 * i + j + 1, got[j * 4 + i]);
            }
        }
        float[] values = new float[12];
        for (int i = 0; i < values.length; i++) {
            values[i] = 100 + i;
        }
        view.copyFrom(values);
        assertArrayEquals(values, view.toFloatArray());
        for (int i = 0; i < 4; i++) { // columns 0 and 4 lie outside the view and are untouched
            assertEquals(5 * i, t.get(i, 0));
            assertEquals(5 * i + 4, t.get(i, 4));
            assertEquals(100 + 4 + i, t.get(i, 2)); // view[1, i]
        }
    }

    @Test
    void fillWritesOnlyTheView() {
        Tensor t = iota(3, 4);
        t.slice(1, 1, 3).fill(-2f);
        assertArrayEquals(new float[]{0, -2, -2, 3, 4, -2, -2, 7, 8, -2, -2, 11}, t.toFloatArray());
        t.fill(0.5f);
        for (float v : t.toFloatArray()) {
            assertEquals(0.5f, v);
        }
    }

    @Test
    void ofCopiesTheValues() {
        float[] v = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(arena, v, 2, 3);
        v[0] = 99;
        assertEquals(1f, t.get(0, 0));
        assertEquals(6f, t.get(1, 2));
    }

    @Test
    void wrapViewsAnExistingSegment() {
        MemorySegment seg = arena.allocate(4 * 10, 64);
        seg.setAtIndex(ValueLayout.JAVA_FLOAT, 7, 3f);
        Tensor t = Tensor.wrap(seg, DType.F32, 2, 4);
        assertEquals(3f, t.get(1, 3));
    }

    @Test
    void toStringShowsDTypeShapeAndTheFirstValues() {
        Tensor small = Tensor.of(arena, new float[]{1.5f, -2f, 3f}, 3);
        assertEquals("Tensor(F32[3] [1.5, -2.0, 3.0])", small.toString());
        String big = iota(3, 4).toString();
        assertTrue(big.startsWith("Tensor(F32[3, 4] [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, ...]"), big);
        String strided = iota(2, 3).transpose().toString();
        assertTrue(strided.contains("F32[3, 2]") && strided.contains("strides=[1, 3]")
                && strided.contains("[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]"), strided);
        assertTrue(Tensor.allocate(arena, DType.I8, 4).toString().contains("I8[4]"));
    }

    @Test
    void toStringOfAClosedTensorSaysSoInsteadOfThrowing() {
        Tensor t;
        try (Arena other = Arena.ofConfined()) {
            t = Tensor.allocate(other, DType.F32, 2, 2);
        }
        assertFalse(t.isAlive());
        assertTrue(t.toString().contains("closed"), t.toString());
    }
}
