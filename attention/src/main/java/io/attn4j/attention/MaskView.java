package io.attn4j.attention;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An {@link AttentionMask} bound to one (batch entry, head): which keys query row {@code i} of a
 * {@code [tq, tk]} problem may see. Mutable and reused, so binding allocates nothing.
 *
 * <p>Two kinds of parts: <em>structural</em> ones, key lengths and causality, that leave each row
 * a prefix of visible keys {@code [0, rowLimit(i))}, and <em>element-wise</em> ones (key padding,
 * boolean and additive masks) read per element.
 */
final class MaskView {
    int tq;
    int tk;
    /** Keys at or beyond this index are masked (key lengths). */
    int keyLimit;
    boolean causal;
    /** Query i sees keys {@code j <= i + causalOffset}. */
    long causalOffset;
    /** Key padding row of this batch entry, or null. */
    MemorySegment pad;
    long padOff;
    /** True when a non-zero padding byte means keep (Keras), false when it means masked. */
    boolean padKeeps;
    /** Boolean {@code [tq, tk]} mask bytes (non-zero = masked), or null. */
    MemorySegment bool;
    long boolOff;
    long boolLd;
    /** Additive {@code [tq, tk]} floats, or null. */
    MemorySegment add;
    long addOff;
    long addLd;
    /** {@code -inf}: masked scores are excluded. Finite: added to masked scores instead (Keras). */
    float penalty;

    /** True when there is nothing to mask. */
    boolean isEmpty() {
        return keyLimit == tk && !causal && !isElementwise();
    }

    /** True when some part must be read per element. */
    boolean isElementwise() {
        return pad != null || bool != null || add != null;
    }

    /** True when masked scores are excluded (weight 0), false when a finite penalty is added. */
    boolean excludes() {
        return penalty == Float.NEGATIVE_INFINITY;
    }

    /** Row {@code i} may see no key at or beyond this index (structural parts only). */
    int rowLimit(int i) {
        if (!causal) {
            return keyLimit;
        }
        return (int) Math.max(0, Math.min(keyLimit, i + causalOffset + 1));
    }

    /** True when the causal part masks key {@code j} for row {@code i}. */
    boolean causalMasks(int i, int j) {
        return causal && j > i + causalOffset;
    }

    /** True when an element-wise boolean part (padding or boolean mask) masks key {@code j} for row {@code i}. */
    boolean maskedAt(int i, int j) {
        if (pad != null && (pad.get(ValueLayout.JAVA_BYTE, padOff + j) != 0) != padKeeps) {
            return true;
        }
        return bool != null && bool.get(ValueLayout.JAVA_BYTE, boolOff + i * boolLd + j) != 0;
    }

    /** The additive mask at (i, j); the caller checks {@code add != null}. */
    float additiveAt(int i, int j) {
        return add.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, addOff + i * addLd + j);
    }
}
