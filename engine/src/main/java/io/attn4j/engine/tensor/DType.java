package io.attn4j.engine.tensor;

/**
 * Element type of a {@link Tensor}. Only {@link #F32} is computed on; the others name the storage
 * types that weight and input files carry: half-precision weights (widened to F32 once at load),
 * masks ({@link #BOOL}) and lengths or indices ({@link #I32}, {@link #I64}). A tensor of the wrong
 * type is rejected by name rather than misread. All types are stored little-endian.
 */
public enum DType {
    /** IEEE 754 binary32. */
    F32(4),
    /** IEEE 754 binary16. */
    F16(2),
    /** bfloat16: the upper half of a binary32. */
    BF16(2),
    /** Signed 8-bit integer. */
    I8(1),
    /** One byte per element: 0 is false, anything else true (files write 1). */
    BOOL(1),
    /** Signed 32-bit integer. */
    I32(4),
    /** Signed 64-bit integer. */
    I64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the integer types {@link #I8}, {@link #I32} and {@link #I64}. */
    public boolean isInteger() {
        return this == I8 || this == I32 || this == I64;
    }
}
