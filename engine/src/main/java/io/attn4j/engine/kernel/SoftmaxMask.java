package io.attn4j.engine.kernel;

import java.lang.foreign.MemorySegment;

/**
 * What {@link Kernels#softmaxRows} adds to or removes from the scores before normalizing.
 *
 * <p>Row {@code r}, column {@code c} of a mask lives at {@code offset + r * ld + c} (floats for
 * {@code additive}, bytes for {@code keep}/{@code masked}); {@code ld = 0} broadcasts one row to
 * all rows. A mask may carry both parts.
 *
 * @param additive floats added to the (scaled) scores, e.g. -inf or -1e9 to exclude a key; may be null
 * @param addOffset element offset of additive row 0
 * @param addLd elements between additive rows (0 = one row for all)
 * @param excluded bytes, non-zero = excluded (PyTorch's True = masked); may be null
 * @param exOffset byte offset of excluded row 0
 * @param exLd bytes between excluded rows (0 = one row for all)
 */
public record SoftmaxMask(MemorySegment additive, long addOffset, long addLd,
        MemorySegment excluded, long exOffset, long exLd) {

    /** Adds {@code additive[r, c]} to score (r, c). */
    public static SoftmaxMask additive(MemorySegment additive, long offset, long ld) {
        return new SoftmaxMask(additive, offset, ld, null, 0, 0);
    }

    /** Excludes score (r, c) where byte {@code excluded[r, c]} is non-zero. */
    public static SoftmaxMask excluded(MemorySegment excluded, long offset, long ld) {
        return new SoftmaxMask(null, 0, 0, excluded, offset, ld);
    }

    /** This mask with a boolean exclusion added. */
    public SoftmaxMask withExcluded(MemorySegment excluded, long offset, long ld) {
        return new SoftmaxMask(additive, addOffset, addLd, excluded, offset, ld);
    }
}
