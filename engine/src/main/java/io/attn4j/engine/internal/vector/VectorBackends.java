package io.attn4j.engine.internal.vector;

import io.attn4j.engine.internal.Backend;
import jdk.incubator.vector.VectorShape;

/**
 * The entry into the vector package: {@link io.attn4j.engine.kernel.KernelProvider} reaches it by
 * reflection, only after it has made sure the Vector API is present and wanted, so that no other
 * class ever links against {@code jdk.incubator.vector}.
 */
public final class VectorBackends {
    private VectorBackends() {
    }

    /**
     * The vector backend at the width of {@link Simd#SPECIES}.
     *
     * @throws UnsupportedOperationException if that width is below 128 bits
     */
    public static Backend create() {
        VectorKernels kernels = new VectorKernels();
        return new Backend(kernels.name(), kernels, new VectorGates(), new VectorTiles());
    }

    /** Bits of the species the vector kernels use. */
    public static int bits() {
        return Simd.bits();
    }

    /** Why that width, e.g. "machine's preferred width" or "forced by -Dattn4j.vectorBits=256". */
    public static String widthReason() {
        return Simd.WIDTH_REASON;
    }

    /** Bits of the machine's preferred (widest efficient) vector shape. */
    public static int preferredBits() {
        return VectorShape.preferredShape().vectorBitSize();
    }
}
