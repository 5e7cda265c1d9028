package io.attn4j.engine.internal.scalar;

import io.attn4j.engine.kernel.PackedMatrix;

/** The scalar reference's packed operand: op(B) copied row-major, {@code k x n}. */
final class RowMajorPacked extends PackedMatrix {
    final float[] values;

    RowMajorPacked(int k, int n, float[] values, String packedBy) {
        super(k, n, packedBy);
        this.values = values;
    }
}
