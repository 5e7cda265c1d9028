package io.attn4j.engine.internal;

import io.attn4j.engine.internal.scalar.ScalarGates;
import io.attn4j.engine.internal.scalar.ScalarTiles;
import io.attn4j.engine.kernel.Kernels;

/**
 * Everything a layer computes with, handed out together so that they always match: the kernels
 * (without argument checks: the layer checks its operands once, at its public entry), the
 * recurrent cells' gate kernels and the fused attention's tile kernels. The provider builds one
 * vector backend and one scalar backend; a layer gets its backend from the {@link Kernels} it was
 * built with ({@link #of}), never by looking one up.
 *
 * @param name what reports print, e.g. {@code "vector-512"} or {@code "scalar"}
 */
public record Backend(String name, Kernels kernels, GateKernels gates, AttentionTiles tiles) {

    /**
     * The backend behind {@code kernels}: the one the provider built them from, or, for an
     * implementation of the caller's own, those kernels (argument checks and all) with the scalar
     * gate and tile kernels.
     */
    public static Backend of(Kernels kernels) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels is null");
        }
        if (kernels instanceof CheckedKernels checked) {
            return checked.backend();
        }
        return new Backend(kernels.name(), kernels, ScalarGates.INSTANCE, ScalarTiles.INSTANCE);
    }
}
