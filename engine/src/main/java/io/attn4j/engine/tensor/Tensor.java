package io.attn4j.engine.tensor;

import io.attn4j.engine.internal.Checks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A strided view over a {@link MemorySegment}: dtype, shape, strides and an element offset.
 *
 * <p>A tensor never owns memory: the {@link Arena} that allocated its segment does, and closing
 * that arena invalidates every view over it (any later access throws {@link IllegalStateException}).
 * Views ({@link #slice}, {@link #select}, {@link #row}, {@link #reshape}, {@link #transpose}) copy
 * nothing. Layout is row-major by default: the last dimension has stride 1. Strides and offsets
 * are counted in elements, not bytes.
 *
 * <p>Element access by type: {@link #get}, {@link #set}, {@link #fill}, {@link #copyFrom(float[])}
 * and {@link #toFloatArray} read and write {@link DType#F32} only; {@link #getLong},
 * {@link #setLong}, {@link #copyFrom(long[])}, {@link #toLongArray} and {@link #toIntArray} the
 * integer types ({@link DType#isInteger}); {@link #getBool}, {@link #setBool},
 * {@link #copyFrom(boolean[])} and {@link #toBooleanArray} {@link DType#BOOL}. F16 and BF16 are
 * storage only: widen them to F32 first (the safetensors reader does).
 *
 * <p>A tensor over a read-only segment (a memory-mapped weight file) reads normally; any write
 * throws the {@link IllegalArgumentException} of {@link MemorySegment#isReadOnly read-only}
 * segments, so a kernel that would overwrite a weight fails instead of corrupting it.
 *
 * <p>Errors: an index or axis out of range, a shape mismatch or a wrong dtype is an
 * {@link IllegalArgumentException} naming the argument; use after the arena closed is an
 * {@link IllegalStateException}. A rejected call writes nothing.
 *
 * <p>Thread safety: a tensor is immutable; concurrent reads are safe, concurrent writes to
 * overlapping elements are the caller's to order.
 */
public final class Tensor {
    /** Alignment of every allocation: one cache line, and a full 512-bit vector. */
    public static final long ALIGNMENT = 64;

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment segment;
    private final DType dtype;
    private final long offset;
    private final long[] shape;
    private final long[] strides;

    private Tensor(MemorySegment segment, DType dtype, long offset, long[] shape, long[] strides) {
        this.segment = segment;
        this.dtype = dtype;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    /**
     * Allocates a zero-filled, row-major tensor from {@code arena}, 64-byte aligned.
     *
     * @throws IllegalArgumentException if a dimension is negative or the size overflows
     * @throws IllegalStateException if the arena is closed
     */
    public static Tensor allocate(Arena arena, DType dtype, long... shape) {
        long[] dims = checkShape(shape);
        long count = elementCount(dims);
        long bytes = multiplySize(count, dtype.byteSize(), dims);
        MemorySegment seg = arena.allocate(Math.max(bytes, 1), ALIGNMENT).asSlice(0, bytes);
        return new Tensor(seg, dtype, 0, dims, rowMajorStrides(dims));
    }

    /** Allocates an F32 tensor of the given shape holding a copy of {@code values} (row-major). */
    public static Tensor of(Arena arena, float[] values, long... shape) {
        Tensor t = allocate(arena, DType.F32, shape);
        t.copyFrom(values);
        return t;
    }

    /**
     * Wraps an existing segment as a row-major tensor starting at its first byte.
     *
     * @throws IllegalArgumentException if the segment is smaller than the shape needs
     */
    public static Tensor wrap(MemorySegment segment, DType dtype, long... shape) {
        long[] dims = checkShape(shape);
        long bytes = multiplySize(elementCount(dims), dtype.byteSize(), dims);
        if (bytes > segment.byteSize()) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is too small for "
                    + dtype + Arrays.toString(dims) + " (" + bytes + " bytes)");
        }
        return new Tensor(segment, dtype, 0, dims, rowMajorStrides(dims));
    }

    public MemorySegment segment() {
        return segment;
    }

    public DType dtype() {
        return dtype;
    }

    /** Offset of element (0, ..., 0) in the segment, in elements. */
    public long offset() {
        return offset;
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code axis}; negative axes count from the end. */
    public long dim(int axis) {
        return shape[checkAxis(axis)];
    }

    /** Stride of dimension {@code axis} in elements; negative axes count from the end. */
    public long stride(int axis) {
        return strides[checkAxis(axis)];
    }

    public long[] shape() {
        return shape.clone();
    }

    public long[] strides() {
        return strides.clone();
    }

    /** Number of elements. */
    public long size() {
        return elementCount(shape);
    }

    /**
     * True when the elements are laid out row-major with no gaps. The stride of a dimension of
     * size 1 is never used to address anything, so it does not count: a {@code [1, n]} transpose of
     * an {@code [n, 1]} column is contiguous.
     */
    public boolean isContiguous() {
        if (size() <= 1) {
            return true;
        }
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /** True while the arena that owns the memory is open. */
    public boolean isAlive() {
        return segment.scope().isAlive();
    }

    /** Elements {@code [from, to)} along {@code axis}; the rank stays the same. */
    public Tensor slice(int axis, long from, long to) {
        int a = checkAxis(axis);
        if (from < 0 || to < from || to > shape[a]) {
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") out of range for axis " + a
                    + " of size " + shape[a] + " in shape " + Arrays.toString(shape));
        }
        long[] dims = shape.clone();
        dims[a] = to - from;
        return new Tensor(segment, dtype, offset + from * strides[a], dims, strides.clone());
    }

    /** The sub-tensor at {@code index} along {@code axis}; the rank drops by one. */
    public Tensor select(int axis, long index) {
        int a = checkAxis(axis);
        Checks.index("index", index, shape[a]);
        long[] dims = new long[shape.length - 1];
        long[] str = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != a) {
                dims[j] = shape[i];
                str[j++] = strides[i];
            }
        }
        return new Tensor(segment, dtype, offset + index * strides[a], dims, str);
    }

    /** Row {@code i}: {@code select(0, i)}. */
    public Tensor row(long i) {
        return select(0, i);
    }

    /**
     * The same elements under a new shape. One dimension may be -1 and is then inferred.
     *
     * @throws IllegalArgumentException if the element counts differ or the tensor is not contiguous
     */
    public Tensor reshape(long... newShape) {
        long[] dims = newShape.clone();
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1 && inferred < 0) {
                inferred = i;
            } else if (dims[i] < 0) {
                throw new IllegalArgumentException(
                        "bad dimension " + dims[i] + " in reshape " + Arrays.toString(newShape));
            } else {
                known = multiplySize(known, dims[i], newShape);
            }
        }
        if (inferred >= 0) {
            if (known == 0 || size() % known != 0) {
                throw new IllegalArgumentException(
                        "cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
            }
            dims[inferred] = size() / known;
        }
        if (elementCount(dims) != size()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " (" + size()
                    + " elements) to " + Arrays.toString(newShape));
        }
        if (!isContiguous()) {
            throw new IllegalArgumentException(
                    "reshape needs a contiguous tensor; strides are " + Arrays.toString(strides));
        }
        return new Tensor(segment, dtype, offset, dims, rowMajorStrides(dims));
    }

    /** Swaps the last two axes (a matrix transpose) by swapping strides. */
    public Tensor transpose() {
        if (shape.length < 2) {
            throw new IllegalArgumentException("transpose needs rank >= 2, got shape " + Arrays.toString(shape));
        }
        return transpose(shape.length - 2, shape.length - 1);
    }

    /** Swaps axes {@code a} and {@code b} by swapping their sizes and strides. */
    public Tensor transpose(int a, int b) {
        int x = checkAxis(a), y = checkAxis(b);
        long[] dims = shape.clone();
        long[] str = strides.clone();
        dims[x] = shape[y];
        dims[y] = shape[x];
        str[x] = strides[y];
        str[y] = strides[x];
        return new Tensor(segment, dtype, offset, dims, str);
    }

    /** Element at {@code index} (one coordinate per axis) of an F32 tensor. */
    public float get(long... index) {
        requireF32();
        return segment.getAtIndex(F32_LE, elementIndex(index));
    }

    /** Sets the element at {@code index} of an F32 tensor. */
    public void set(float value, long... index) {
        requireF32();
        segment.setAtIndex(F32_LE, elementIndex(index), value);
    }

    /** Fills every element of this (possibly strided) F32 view with {@code value}. */
    public void fill(float value) {
        requireF32();
        requireAlive();
        forEachIndex((i, e) -> segment.setAtIndex(F32_LE, e, value));
    }

    /**
     * Copies {@code values} into this F32 view in row-major order.
     *
     * @throws IllegalArgumentException if {@code values.length != size()}
     */
    public void copyFrom(float[] values) {
        requireF32();
        requireLength(values.length);
        requireAlive();
        if (isContiguous()) {
            MemorySegment.copy(values, 0, segment, F32_LE, offset * 4, values.length);
        } else {
            forEachIndex((i, e) -> segment.setAtIndex(F32_LE, e, values[(int) i]));
        }
    }

    /** A new array with this F32 view's elements in row-major order. */
    public float[] toFloatArray() {
        requireF32();
        requireAlive();
        float[] out = new float[arrayLength()];
        if (isContiguous()) {
            MemorySegment.copy(segment, F32_LE, offset * 4, out, 0, out.length);
        } else {
            forEachIndex((i, e) -> out[(int) i] = segment.getAtIndex(F32_LE, e));
        }
        return out;
    }

    /** Element at {@code index} of an integer tensor (I8, I32 or I64), widened to a long. */
    public long getLong(long... index) {
        requireInteger();
        return readInteger(elementIndex(index));
    }

    /**
     * Sets the element at {@code index} of an integer tensor.
     *
     * @throws IllegalArgumentException if {@code value} does not fit the dtype
     */
    public void setLong(long value, long... index) {
        requireInteger();
        long e = elementIndex(index);
        checkFits(value, "value");
        writeInteger(e, value);
    }

    /** Element at {@code index} of a BOOL tensor: any non-zero byte is true. */
    public boolean getBool(long... index) {
        requireBool();
        return segment.get(ValueLayout.JAVA_BYTE, elementIndex(index)) != 0;
    }

    /** Sets the element at {@code index} of a BOOL tensor (stored as 1 or 0). */
    public void setBool(boolean value, long... index) {
        requireBool();
        segment.set(ValueLayout.JAVA_BYTE, elementIndex(index), (byte) (value ? 1 : 0));
    }

    /**
     * Copies {@code values} into this integer view (I8, I32 or I64) in row-major order.
     *
     * @throws IllegalArgumentException if {@code values.length != size()} or a value does not fit
     *     the dtype; nothing is written then
     */
    public void copyFrom(long[] values) {
        requireInteger();
        requireLength(values.length);
        for (int i = 0; i < values.length; i++) {
            checkFits(values[i], "values[" + i + "]");
        }
        requireAlive();
        forEachIndex((i, e) -> writeInteger(e, values[(int) i]));
    }

    /**
     * Copies {@code values} into this BOOL view in row-major order (true as 1, false as 0).
     *
     * @throws IllegalArgumentException if {@code values.length != size()}
     */
    public void copyFrom(boolean[] values) {
        requireBool();
        requireLength(values.length);
        requireAlive();
        forEachIndex((i, e) -> segment.set(ValueLayout.JAVA_BYTE, e, (byte) (values[(int) i] ? 1 : 0)));
    }

    /** A new array with this integer view's elements (I8, I32 or I64) in row-major order. */
    public long[] toLongArray() {
        requireInteger();
        requireAlive();
        long[] out = new long[arrayLength()];
        forEachIndex((i, e) -> out[(int) i] = readInteger(e));
        return out;
    }

    /**
     * A new array with this integer view's elements in row-major order.
     *
     * @throws IllegalArgumentException if an I64 element does not fit an int
     */
    public int[] toIntArray() {
        requireInteger();
        requireAlive();
        int[] out = new int[arrayLength()];
        forEachIndex((i, e) -> {
            long v = readInteger(e);
            if (v != (int) v) {
                throw new IllegalArgumentException("element " + i + " of " + dtype + Arrays.toString(shape)
                        + " is " + v + ", which does not fit an int");
            }
            out[(int) i] = (int) v;
        });
        return out;
    }

    /** A new array with this BOOL view's elements in row-major order (non-zero bytes are true). */
    public boolean[] toBooleanArray() {
        requireBool();
        requireAlive();
        boolean[] out = new boolean[arrayLength()];
        forEachIndex((i, e) -> out[(int) i] = segment.get(ValueLayout.JAVA_BYTE, e) != 0);
        return out;
    }

    /** Shape, dtype, strides when not row-major, and the first few values (not of F16/BF16) in row-major order. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype).append(Arrays.toString(shape));
        if (!isContiguous()) {
            sb.append(" strides=").append(Arrays.toString(strides));
        }
        if (!isAlive()) {
            return sb.append(", <arena closed>)").toString();
        }
        if (dtype == DType.F32 || dtype == DType.BOOL || dtype.isInteger()) {
            int shown = (int) Math.min(size(), 8);
            sb.append(" [");
            long[] pos = new long[shape.length];
            for (int i = 0; i < shown; i++) {
                long e = elementIndex(pos);
                Object value = dtype == DType.F32
                        ? (Object) segment.getAtIndex(F32_LE, e)
                        : dtype == DType.BOOL ? (Object) (segment.get(ValueLayout.JAVA_BYTE, e) != 0) : readInteger(e);
                sb.append(i == 0 ? "" : ", ").append(value);
                advance(pos);
            }
            sb.append(size() > shown ? ", ...]" : "]");
        }
        return sb.append(')').toString();
    }

    /** Segment index of the element at {@code index}, after checking every coordinate. */
    long elementIndex(long... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException(index.length + " indices for a tensor of rank " + shape.length);
        }
        long e = offset;
        for (int i = 0; i < index.length; i++) {
            Checks.index("index[" + i + "]", index[i], shape[i]);
            e += index[i] * strides[i];
        }
        return e;
    }

    private void requireF32() {
        if (dtype != DType.F32) {
            throw new IllegalArgumentException("expected an F32 tensor, got " + dtype);
        }
    }

    private void requireInteger() {
        if (!dtype.isInteger()) {
            throw new IllegalArgumentException("expected an integer tensor (I8, I32 or I64), got " + dtype);
        }
    }

    private void requireBool() {
        if (dtype != DType.BOOL) {
            throw new IllegalArgumentException("expected a BOOL tensor, got " + dtype);
        }
    }

    private void requireLength(int length) {
        if (length != size()) {
            throw new IllegalArgumentException("copyFrom: " + length + " values for shape "
                    + Arrays.toString(shape) + " (" + size() + " elements)");
        }
    }

    /** {@link #size()} as an array length, or an exception when no Java array can hold it. */
    private int arrayLength() {
        if (size() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor of " + size() + " elements does not fit a Java array");
        }
        return (int) size();
    }

    private long readInteger(long e) {
        return switch (dtype) {
            case I8 -> segment.get(ValueLayout.JAVA_BYTE, e);
            case I32 -> segment.getAtIndex(I32_LE, e);
            default -> segment.getAtIndex(I64_LE, e);
        };
    }

    /** Stores {@code v}, already checked by {@link #checkFits}. */
    private void writeInteger(long e, long v) {
        switch (dtype) {
            case I8 -> segment.set(ValueLayout.JAVA_BYTE, e, (byte) v);
            case I32 -> segment.setAtIndex(I32_LE, e, (int) v);
            default -> segment.setAtIndex(I64_LE, e, v);
        }
    }

    private void checkFits(long v, String name) {
        boolean fits = switch (dtype) {
            case I8 -> v == (byte) v;
            case I32 -> v == (int) v;
            default -> true;
        };
        if (!fits) {
            throw new IllegalArgumentException(name + " = " + v + " does not fit " + dtype);
        }
    }

    private void requireAlive() {
        if (!isAlive()) {
            throw new IllegalStateException("the arena that owns this tensor is closed");
        }
    }

    private int checkAxis(int axis) {
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for rank " + shape.length);
        }
        return a;
    }

    private interface IndexVisitor {
        void visit(long rowMajorIndex, long elementIndex);
    }

    private void forEachIndex(IndexVisitor visitor) {
        long n = size();
        long[] pos = new long[shape.length];
        for (long i = 0; i < n; i++) {
            long e = offset;
            for (int d = 0; d < pos.length; d++) {
                e += pos[d] * strides[d];
            }
            visitor.visit(i, e);
            advance(pos);
        }
    }

    private void advance(long[] pos) {
        for (int d = pos.length - 1; d >= 0; d--) {
            if (++pos[d] < shape[d]) {
                return;
            }
            pos[d] = 0;
        }
    }

    private static long[] checkShape(long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        elementCount(shape);
        return shape.clone();
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = multiplySize(n, d, shape);
        }
        return n;
    }

    /** {@code n * d}, or an {@link IllegalArgumentException} naming the shape when that overflows. */
    private static long multiplySize(long n, long d, long[] shape) {
        try {
            return Math.multiplyExact(n, d);
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " is too large: its size overflows a long");
        }
    }

    private static long[] rowMajorStrides(long[] shape) {
        long[] s = new long[shape.length];
        long stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = stride;
            stride *= Math.max(shape[i], 1);
        }
        return s;
    }
}
