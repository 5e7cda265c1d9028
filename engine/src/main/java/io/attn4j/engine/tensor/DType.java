package io.attn4j.engine.tensor;

/**
 * Element type of a {@link Tensor}. Only {@link #F32} is computed on today; the others name the
 * storage types that weight files carry, so that a tensor of the wrong type is rejected by name
 * rather than misread.
 */
public enum DType {
    /** IEEE 754 binary32, little-endian. */
    F32(4),
    /** IEEE 754 binary16. */
    F16(2),
    /** bfloat16: the upper half of a binary32. */
    BF16(2),
    /** Signed 8-bit integer. */
    I8(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }
}
