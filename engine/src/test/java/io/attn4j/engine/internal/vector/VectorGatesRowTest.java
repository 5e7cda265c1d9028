package io.attn4j.engine.internal.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.internal.GateKernels;
import io.attn4j.engine.internal.scalar.ScalarGates;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.engine.testing.TestKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The batch-1 recurrent product: the vector kernel equals the scalar reference bit for bit (both
 * are one FMA chain per output over l in order, so the tolerance is zero), and both equal the
 * GEMM's row of the same product against the packed matrix, the path of batches above one, so a
 * sequence's result does not depend on its batch. The row kernels read the matrix in their column
 * panels, the GEMM row-major: a misplaced element shows as a wrong bit. Sizes cover the 8-vector blocks, single vectors
 * and scalar columns; nothing past n is written.
 */
class VectorGatesRowTest {
    private static final GateKernels VECTOR = new VectorGates();
    private static final GateKernels SCALAR = ScalarGates.INSTANCE;
    private static final Kernels GEMM = TestKernels.vector();
    private static final float SENTINEL = 12.5f;

    @Test
    void vectorEqualsScalarAndTheGemmRowBitForBit() {
        int lanes = Simd.LANES, block = 8 * lanes;
        int[] edges = {1, lanes - 1, lanes, lanes + 1, block - 1, block, block + 1, 2 * block + lanes + 3, 4 * 64,
                3 * 256};
        RandomTrials.run(150, r -> {
            int k = r.nextBoolean() ? edges[r.nextInt(edges.length)] % 300 + 1 : r.nextInt(1, 301);
            int n = r.nextBoolean() ? edges[r.nextInt(edges.length)] : r.nextInt(1, 1201);
            int hOff = r.nextInt(3), outOff = r.nextInt(3);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment h = random(arena, r, hOff + k), wT = random(arena, r, (long) k * n);
                MemorySegment panels = panels(arena, wT, k, n);
                MemorySegment vector = filled(arena, outOff + n + 1), scalar = filled(arena, outOff + n + 1);
                MemorySegment gemm = filled(arena, outOff + n + 1);
                VECTOR.recurrentRow(k, n, h, hOff, panels, vector, outOff);
                SCALAR.recurrentRow(k, n, h, hOff, panels, scalar, outOff);
                PackedMatrix packed = GEMM.packB(Transpose.NO, k, n, wT, 0, n);
                GEMM.gemm(Transpose.NO, 1, 1f, h, hOff, k, packed, 0f, gemm, outOff, n);
                for (int j = 0; j < outOff + n + 1; j++) {
                    int jj = j;
                    float v = vector.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                    assertEquals(Float.floatToRawIntBits(scalar.getAtIndex(ValueLayout.JAVA_FLOAT, j)),
                            Float.floatToRawIntBits(v),
                            () -> "vector vs scalar at " + jj + " of k = " + k + ", n = " + n);
                    assertEquals(Float.floatToRawIntBits(gemm.getAtIndex(ValueLayout.JAVA_FLOAT, j)),
                            Float.floatToRawIntBits(v),
                            () -> "vector vs the GEMM row at " + jj + " of k = " + k + ", n = " + n);
                }
                assertEquals(SENTINEL, vector.getAtIndex(ValueLayout.JAVA_FLOAT, outOff + n), "written past n");
            }
        });
    }

    @Test
    void panelIndexPlacesEveryElementOnceInsideTheMatrix() {
        RandomTrials.run(200, r -> {
            int k = r.nextInt(1, 40), n = r.nextInt(1, 700);
            boolean[] taken = new boolean[k * n];
            for (int l = 0; l < k; l++) {
                for (int j = 0; j < n; j++) {
                    long at = GateKernels.panelIndex(k, n, l, j);
                    assertTrue(at >= 0 && at < (long) k * n && !taken[(int) at],
                            "element (" + l + ", " + j + ") of " + k + " x " + n + " at " + at);
                    taken[(int) at] = true;
                }
            }
        });
    }

    /** {@code wT [k, n]} row-major in recurrentRow's column panels. */
    private static MemorySegment panels(Arena arena, MemorySegment wT, int k, int n) {
        MemorySegment p = arena.allocate(Math.max(1, (long) k * n) * Float.BYTES, 64);
        for (int l = 0; l < k; l++) {
            for (int j = 0; j < n; j++) {
                p.setAtIndex(ValueLayout.JAVA_FLOAT, GateKernels.panelIndex(k, n, l, j),
                        wT.getAtIndex(ValueLayout.JAVA_FLOAT, (long) l * n + j));
            }
        }
        return p;
    }

    private static MemorySegment random(Arena arena, SplittableRandom r, long n) {
        MemorySegment s = arena.allocate(Math.max(1, n) * Float.BYTES, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextDouble() * 2 - 1));
        }
        return s;
    }

    private static MemorySegment filled(Arena arena, long n) {
        MemorySegment s = arena.allocate(n * Float.BYTES, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, SENTINEL);
        }
        return s;
    }
}
