package io.attn4j.bench;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;

/** The attn4j implementation the benchmarks measure. */
final class Attn4j {
    private Attn4j() {
    }

    /**
     * The kernels the provider picks, which must be the vector ones: a benchmark labelled
     * "attn4j" that silently measured the scalar fallback would mislead.
     *
     * @throws IllegalStateException with the provider's reason when it fell back to scalar
     */
    static Kernels vectorKernels() {
        KernelProvider.Choice choice = KernelProvider.choice();
        if (!choice.kernels().name().startsWith("vector")) {
            throw new IllegalStateException("attn4j picked " + choice.kernels().name() + ": " + choice.reason());
        }
        return choice.kernels();
    }
}
