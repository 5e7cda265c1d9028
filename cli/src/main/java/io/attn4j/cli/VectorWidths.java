package io.attn4j.cli;

import io.attn4j.engine.kernel.Simd;
import jdk.incubator.vector.VectorShape;

/**
 * The machine's preferred vector width and the one the kernels use. Touches jdk.incubator.vector:
 * load this class only when that module is in the boot layer.
 */
final class VectorWidths {
    private VectorWidths() {
    }

    /** Bits of the machine's preferred (widest efficient) vector shape. */
    static int preferredBits() {
        return VectorShape.preferredShape().vectorBitSize();
    }

    /** Bits of the species the vector kernels use, and why that width. */
    static String inUse() {
        return Simd.bits() + " bits (" + Simd.WIDTH_REASON + ")";
    }
}
