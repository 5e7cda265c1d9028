package io.attn4j.engine.kernel;

/**
 * A right-hand GEMM operand {@code op(B)} ({@code k x n}) rearranged once by
 * {@link Kernels#packB} into the layout that implementation's GEMM reads, so that products with
 * a constant B (weights multiplied at every step of a recurrence or every call of a layer) skip
 * the packing that {@link Kernels#gemm} does on every call. Results are bit-identical to the
 * unpacked call. Immutable and safe to share between threads; it holds a heap copy of B, so the
 * source may be freed or changed afterwards.
 */
public abstract class PackedMatrix {
    private final int k;
    private final int n;
    private final String packedBy;

    protected PackedMatrix(int k, int n, String packedBy) {
        this.k = k;
        this.n = n;
        this.packedBy = packedBy;
    }

    /** Rows of op(B): the depth of the product. */
    public int k() {
        return k;
    }

    /** Columns of op(B) and of C. */
    public int n() {
        return n;
    }

    /** {@link Kernels#name()} of the implementation that packed it; only that one can use it. */
    public String packedBy() {
        return packedBy;
    }

    @Override
    public String toString() {
        return "PackedMatrix(" + k + " x " + n + ", by " + packedBy + ")";
    }
}
