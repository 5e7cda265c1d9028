/**
 * attn4j's engine: off-heap float tensors ({@link io.attn4j.engine.tensor.Tensor}), the kernels
 * everything is computed with ({@link io.attn4j.engine.kernel.Kernels}, chosen by
 * {@link io.attn4j.engine.kernel.KernelProvider}), safetensors and {@code .npy} files, and splitting
 * work over an executor. Nothing about neural networks.
 *
 * <p>The Vector API ({@code jdk.incubator.vector}) is optional: with it in the boot layer
 * ({@code --add-modules jdk.incubator.vector}) the vector kernels run, without it the scalar
 * reference does, and no class of it is ever loaded.
 */
module io.attn4j.engine {
    requires static jdk.incubator.vector;
    requires static java.management;
    requires static jdk.management;

    exports io.attn4j.engine.tensor;
    exports io.attn4j.engine.kernel;
    exports io.attn4j.engine.io;
    exports io.attn4j.engine.parallel;
    exports io.attn4j.engine.internal to io.attn4j.cells, io.attn4j.attention, io.attn4j.model, io.attn4j.cli;
}
