package io.attn4j.engine.internal.vector.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.engine.testing.TestKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A product with B packed once equals the product that packs B itself, to the bit, for both
 * implementations: the packed call runs the same loops on the same panel layout (vector), or the
 * same loop order on a row-major copy (scalar). Shapes cross the micro-tile, the NC panel width
 * and a K block boundary.
 */
@Tag("vector-width")
class PackedGemmTest {

    @Test
    void packedEqualsUnpackedBitForBit() {
        RandomTrials.run(60, rnd -> {
            int m = size(rnd, 40), n = rnd.nextInt(6) == 0 ? 1000 + size(rnd, 100) : size(rnd, 70);
            int k = rnd.nextInt(8) == 0 ? 2049 + size(rnd, 40) : size(rnd, 90) - 1;
            check(m, n, k, rnd.nextBoolean() ? Transpose.NO : Transpose.YES,
                    rnd.nextBoolean() ? Transpose.NO : Transpose.YES,
                    rnd.nextBoolean() ? 0f : 0.5f, rnd);
        });
    }

    private static void check(int m, int n, int k, Transpose ta, Transpose tb, float beta, RandomGenerator rnd) {
        for (Kernels kernels : List.of(TestKernels.vector(), TestKernels.scalar())) {
            try (Arena arena = Arena.ofConfined()) {
                long lda = (ta == Transpose.NO ? k : m) + rnd.nextInt(3),
                        ldb = (tb == Transpose.NO ? n : k) + rnd.nextInt(3);
                MemorySegment a = random(arena, (ta == Transpose.NO ? m : k) * lda + 1, rnd);
                MemorySegment b = random(arena, (tb == Transpose.NO ? k : n) * ldb + 1, rnd);
                MemorySegment c0 = random(arena, (long) m * n, rnd);
                MemorySegment c1 = arena.allocate(c0.byteSize()).copyFrom(c0);
                kernels.gemm(ta, tb, m, n, k, 1.5f, a, 1, lda, b, 1, ldb, beta, c0, 0, n);
                PackedMatrix packed = kernels.packB(tb, k, n, b, 1, ldb);
                assertEquals(k, packed.k());
                assertEquals(n, packed.n());
                kernels.gemm(ta, m, 1.5f, a, 1, lda, packed, beta, c1, 0, n);
                assertArrayEquals(c0.toArray(ValueLayout.JAVA_FLOAT), c1.toArray(ValueLayout.JAVA_FLOAT),
                        kernels.name() + " " + m + "x" + n + "x" + k + " " + ta + tb);
            }
        }
    }

    private static int size(RandomGenerator rnd, int max) {
        return switch (rnd.nextInt(6)) {
            case 0 -> 1;
            case 1 -> max;
            default -> 1 + rnd.nextInt(max);
        };
    }

    private static MemorySegment random(Arena arena, long n, RandomGenerator rnd) {
        MemorySegment s = arena.allocate(4 * n, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-1, 1));
        }
        return s;
    }
}
