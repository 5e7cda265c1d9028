package io.attn4j.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Views checked against index arithmetic on random shapes (rank 1..4, sizes 1..5): every element
 * a view addresses is the parent element its coordinates map to, whatever chain of views made it.
 */
class TensorViewPropertiesTest {
    private static final int TRIALS = 300;

    private static long[] shape(SplittableRandom r) {
        long[] shape = new long[r.nextInt(1, 5)];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = r.nextInt(1, 6);
        }
        return shape;
    }

    /** A tensor of {@code shape} whose element at row-major position i holds i (exact in float). */
    private static Tensor iota(Arena arena, long[] shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        float[] v = new float[(int) t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        t.copyFrom(v);
        return t;
    }

    /** Row-major position of {@code index} in {@code shape}: the value iota holds there. */
    private static long rowMajor(long[] shape, long[] index) {
        long p = 0;
        for (int d = 0; d < shape.length; d++) {
            p = p * shape[d] + index[d];
        }
        return p;
    }

    /** The coordinates of row-major position {@code p} in {@code shape}. */
    private static long[] coordinates(long[] shape, long p) {
        long[] index = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = p % shape[d];
            p /= shape[d];
        }
        return index;
    }

    @Test
    void transposeTwiceIsIdentity() {
        RandomTrials.run(TRIALS, r -> {
            long[] shape = shape(r);
            int x = r.nextInt(shape.length), y = r.nextInt(shape.length);
            try (Arena arena = Arena.ofConfined()) {
                Tensor t = iota(arena, shape).slice(0, shape[0] / 2, shape[0]); // a view at a non-zero offset
                Tensor twice = t.transpose(x, y).transpose(x, y);
                assertArrayEquals(t.shape(), twice.shape());
                assertArrayEquals(t.strides(), twice.strides());
                assertEquals(t.offset(), twice.offset());
                assertArrayEquals(t.toFloatArray(), twice.toFloatArray());
            }
        });
    }

    @Test
    void transposeReadsSwappedCoordinates() {
        RandomTrials.run(TRIALS, r -> {
            long[] shape = shape(r);
            int x = r.nextInt(shape.length), y = r.nextInt(shape.length);
            try (Arena arena = Arena.ofConfined()) {
                Tensor tt = iota(arena, shape).transpose(x, y);
                float[] got = tt.toFloatArray();
                for (int p = 0; p < got.length; p++) {
                    long[] index = coordinates(tt.shape(), p);
                    long swap = index[x];
                    index[x] = index[y];
                    index[y] = swap;
                    assertEquals(rowMajor(shape, index), got[p],
                            "transpose(" + x + ", " + y + ") of " + Arrays.toString(shape) + " at "
                                    + Arrays.toString(index));
                }
            }
        });
    }

    @Test
    void sliceAndSelectAddressTheElementsIndexArithmeticNames() {
        RandomTrials.run(TRIALS, r -> {
            long[] shape = shape(r);
            int axis = r.nextInt(shape.length);
            long from = r.nextLong(shape[axis]);
            long to = r.nextLong(from, shape[axis] + 1);
            try (Arena arena = Arena.ofConfined()) {
                Tensor t = iota(arena, shape);
                Tensor s = t.slice(axis, from, to);
                float[] got = s.toFloatArray();
                for (int p = 0; p < got.length; p++) {
                    long[] index = coordinates(s.shape(), p);
                    index[axis] += from;
                    assertEquals(rowMajor(shape, index), got[p], "slice " + axis + " [" + from + ", " + to + ")");
                }
                Tensor sel = t.select(axis, from);
                float[] row = sel.toFloatArray();
                for (int p = 0; p < row.length; p++) {
                    long[] sub = coordinates(sel.shape(), p);
                    long[] index = new long[shape.length];
                    for (int d = 0, j = 0; d < shape.length; d++) {
                        index[d] = d == axis ? from : sub[j++];
                    }
                    assertEquals(rowMajor(shape, index), row[p], "select " + axis + " " + from);
                    assertEquals(row[p], sel.get(sub));
                }
            }
        });
    }

    @Test
    void copyFromThenToFloatArrayRoundTripsOnAStridedViewAndTouchesNothingElse() {
        RandomTrials.run(TRIALS, r -> {
            long[] shape = shape(r);
            int axis = r.nextInt(shape.length);
            long from = r.nextLong(shape[axis]);
            try (Arena arena = Arena.ofConfined()) {
                Tensor t = iota(arena, shape);
                Tensor view = t.slice(axis, from, shape[axis]).transpose(0, shape.length - 1);
                float[] values = new float[(int) view.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = -1 - i;
                }
                view.copyFrom(values);
                assertArrayEquals(values, view.toFloatArray());
                float[] all = t.toFloatArray();
                for (int p = 0; p < all.length; p++) {
                    long[] index = coordinates(shape, p);
                    boolean inView = index[axis] >= from;
                    assertEquals(inView, all[p] < 0, "element " + Arrays.toString(index));
                    if (!inView) {
                        assertEquals(p, all[p]);
                    }
                }
            }
        });
    }

    @Test
    void reshapeOfAContiguousTensorKeepsRowMajorOrderAndAStridedOneIsRejected() {
        RandomTrials.run(TRIALS, r -> {
            long[] shape = shape(r);
            int axis = r.nextInt(shape.length);
            try (Arena arena = Arena.ofConfined()) {
                Tensor t = iota(arena, shape);
                Tensor reshaped = t.reshape(-1, shape[axis]);
                assertEquals(t.size(), reshaped.dim(0) * reshaped.dim(1));
                assertArrayEquals(t.toFloatArray(), reshaped.toFloatArray());
                // the last axis cut to length 1 leaves gaps, unless it was 1 long or nothing else is longer than 1
                Tensor firstOnly = t.slice(-1, 0, 1);
                long[] before = Arrays.copyOf(shape, shape.length - 1);
                boolean gapFree = shape[shape.length - 1] == 1 || Arrays.stream(before).allMatch(d -> d == 1);
                if (gapFree) {
                    assertArrayEquals(firstOnly.toFloatArray(), firstOnly.reshape(-1).toFloatArray());
                } else {
                    assertThrows(IllegalArgumentException.class, () -> firstOnly.reshape(-1), Arrays.toString(shape));
                }
            }
        });
    }
}
