package io.attn4j.engine.kernel;

/** How a GEMM/GEMV operand is read: as stored, or transposed. */
public enum Transpose {
    /** op(A) = A. */
    NO,
    /** op(A) = A^T. */
    YES
}
