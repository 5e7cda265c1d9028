package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** {@link Linear#applyAll} over an executor gives the bits of {@link Linear#apply} called product by product. */
class LinearTest {

    @Test
    void splitProductsHaveTheBitsOfOneByOne() {
        Kernels kernels = KernelProvider.kernels();
        RandomTrials.run(60, rnd -> {
            try (Arena arena = Arena.ofShared()) {
                int count = rnd.nextInt(1, 5), in = rnd.nextInt(1, 70);
                Linear.Product[] split = new Linear.Product[count];
                Tensor[] one = new Tensor[count], all = new Tensor[count];
                for (int i = 0; i < count; i++) {
                    // up to a few hundred rows: several blocks per product, the last one partial
                    int rows = rnd.nextInt(0, 400), out = rnd.nextInt(1, 90);
                    Tensor x = Inputs.uniform(arena, rnd, 1f, rows, in), w = Inputs.uniform(arena, rnd, 1f, out, in);
                    Tensor bias = rnd.nextBoolean() ? Inputs.uniform(arena, rnd, 1f, out) : null;
                    var packed = Linear.pack(kernels, "w", w, out, in);
                    one[i] = Checks.nans(arena, rows, out);
                    all[i] = Checks.nans(arena, rows, out);
                    Linear.apply(kernels, rows, x.segment(), 0, in, packed, bias == null ? null : bias.segment(),
                            one[i].segment(), 0, out);
                    split[i] = new Linear.Product(rows, x.segment(), 0, in, packed,
                            bias == null ? null : bias.segment(), all[i].segment(), 0, out);
                }
                Linear.applyAll(kernels, ThreeThreads.POOL, split);
                for (int i = 0; i < count; i++) {
                    assertArrayEquals(one[i].toFloatArray(), all[i].toFloatArray(), "product " + i + " of " + count);
                }
            }
        });
    }
}
