package io.attn4j.engine.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.attn4j.engine.internal.CheckedKernels;
import io.attn4j.engine.internal.vector.VectorBackends;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;

/**
 * The implementations the tests compare: the vector kernels whatever the provider chose (at the
 * width {@code -Dattn4j.vectorBits} sets), and the scalar reference. Both check their arguments,
 * as every {@link Kernels} handed to users does.
 */
public final class TestKernels {
    private static Kernels vector;

    private TestKernels() {
    }

    /**
     * The vector kernels. A test that asks for them is skipped in a JVM without the Vector API
     * module (the build runs some suites that way, to prove the scalar path needs nothing of it).
     */
    public static synchronized Kernels vector() {
        assumeTrue(KernelProvider.vectorModulePresent(),
                "jdk.incubator.vector is absent: vector kernels not tested here");
        if (vector == null) {
            vector = new CheckedKernels(VectorBackends.create());
        }
        return vector;
    }

    /** The scalar reference. */
    public static Kernels scalar() {
        return KernelProvider.scalar();
    }
}
