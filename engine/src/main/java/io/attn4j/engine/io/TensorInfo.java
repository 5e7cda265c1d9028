package io.attn4j.engine.io;

import io.attn4j.engine.tensor.DType;
import java.util.Arrays;

/**
 * Where one tensor of a safetensors file is and what it holds, as its header states (and
 * {@link SafeTensorsFile#open} checked): row-major {@code shape}, {@code byteSize = dtype bytes x
 * elements}, starting {@code byteOffset} bytes into the data section (the header's
 * {@code data_offsets[0]}; the data section starts after the 8-byte length and the header).
 *
 * @param shape defensively copied, in and out
 */
public record TensorInfo(String name, DType dtype, long[] shape, long byteOffset, long byteSize) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements: the product of the shape (1 for a scalar). */
    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && byteOffset == t.byteOffset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(byteOffset);
    }

    @Override
    public String toString() {
        return name + ": " + dtype + Arrays.toString(shape) + " at +" + byteOffset + " (" + byteSize + " bytes)";
    }
}
