package io.attn4j.engine.internal.vector.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.internal.vector.Simd;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.engine.testing.TestKernels;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The vector GEMV against the scalar reference, both shapes ({@code A x} and {@code A^T x}):
 * sizes around the vector width, the four-vector steps of a row and the four-row groups,
 * leading dimensions larger than the
 * rows, element offsets, and y pre-filled with NaN when beta is 0 (which must never be read).
 * Nothing outside y may be written.
 */
@Tag("vector-width")
class GemvPropertiesTest {
    private static final Kernels VECTOR = TestKernels.vector();
    private static final Kernels SCALAR = TestKernels.scalar();
    private static final double EPS = 0x1p-24;
    private static final int L = Simd.LANES;
    /**
     * Around the vector width, its double and quadruple (one unrolled step of a row's dot, of the
     * transposed sums) and the four-row groups.
     */
    private static final int[] SIZE_EDGES = {0, 1, 2, 3, 4, 5, 7, 13, L - 1, L, L + 1, 2 * L - 1, 2 * L, 2 * L + 1,
            4 * L - 1, 4 * L, 4 * L + 1, 4 * L + 3, 8 * L + L / 2 + 1, 207};
    private static final float[] ALPHAS = {1f, -1f, 0.5f, 2.75f, 0f, -1.3e-3f};
    private static final float[] BETAS = {0f, 1f, -1f, 0.5f, 3.1f};
    private static final float[] SCALES = {1f, 1e-3f, 1e3f};

    /** One call: shape, transpose, scalars, layout and the seed of the values. */
    record Case(Transpose transA, int m, int n, float alpha, float beta, int pad, int offset, float scale, long seed) {
    }

    @Test
    void matchesTheReference() {
        RandomTrials.run(300,
                r -> assertMatchesReference(new Case(Transpose.values()[r.nextInt(Transpose.values().length)],
                        size(r), size(r), pick(r, ALPHAS), pick(r, BETAS), r.nextInt(4), r.nextInt(6), pick(r, SCALES),
                        r.nextLong())));
    }

    @Test
    void largeShapes() {
        for (Transpose t : Transpose.values()) {
            assertMatchesReference(new Case(t, 1031, 2053, 1f, 0f, 5, 3, 1f, 1));
            assertMatchesReference(new Case(t, 4098, 7, -2f, 0.5f, 0, 1, 1f, 2));
            assertMatchesReference(new Case(t, 5, 4098, 0.75f, 1f, 1, 0, 1f, 3));
        }
    }

    /** An edge size one time in two, else a size in [1, 300]. */
    private static int size(SplittableRandom r) {
        return r.nextBoolean() ? SIZE_EDGES[r.nextInt(SIZE_EDGES.length)] : r.nextInt(1, 301);
    }

    private static float pick(SplittableRandom r, float[] values) {
        return values[r.nextInt(values.length)];
    }

    /**
     * Compares each output within {@code (2t + 4) * eps * (|alpha| sum |a x| + |beta y|)} for its
     * {@code t} terms. Derivation: each implementation sums the t products with at most t
     * roundings (in any order), then rounds alpha's product and the beta FMA: within (t + 2) eps
     * of the exact value, relative to that magnitude; two such results differ by at most the sum.
     */
    private static void assertMatchesReference(Case c) {
        boolean t = c.transA() == Transpose.YES;
        int outs = t ? c.n() : c.m(), terms = t ? c.m() : c.n();
        SplittableRandom r = new SplittableRandom(c.seed());
        try (Arena arena = Arena.ofConfined()) {
            Operand a = Operand.random(arena, r, c.m(), c.n(), c.pad(), c.offset(), c.scale());
            Operand x = Operand.random(arena, r, 1, terms, 0, c.offset() + 1, c.scale());
            Operand y0 = c.beta() == 0f
                    ? Operand.filled(arena, 1, outs, 0, c.offset() + 2, Float.NaN)
                    : Operand.random(arena, r, 1, outs, 0, c.offset() + 2, c.scale());
            Operand got = y0.copy(arena), want = y0.copy(arena);
            gemv(VECTOR, c, a, x, got);
            gemv(SCALAR, c, a, x, want);
            double bound = (2.0 * terms + 4) * EPS;
            for (int i = 0; i < outs; i++) {
                double sum = 0;
                for (int l = 0; l < terms; l++) {
                    sum += Math.abs((double) (t ? a.get(l, i) : a.get(i, l)) * x.get(0, l));
                }
                double magnitude = Math.abs(c.alpha()) * sum
                        + (c.beta() == 0f ? 0 : Math.abs((double) c.beta() * y0.get(0, i)));
                float g = got.get(0, i), w = want.get(0, i);
                int ii = i;
                assertTrue(Float.isFinite(g), () -> "y[" + ii + "] = " + g + " in " + c);
                assertTrue(Math.abs((double) g - w) <= bound * magnitude,
                        () -> "y[" + ii + "] = " + g + ", reference " + w + ", bound " + bound * magnitude + " in "
                                + c);
            }
            assertEquals(-1, got.firstOverwrittenOutside(), () -> "wrote outside y in " + c);
        }
    }

    private static void gemv(Kernels kernels, Case c, Operand a, Operand x, Operand y) {
        kernels.gemv(c.transA(), c.m(), c.n(), c.alpha(), a.segment(), a.offset(), a.ld(),
                x.segment(), x.offset(), c.beta(), y.segment(), y.offset());
    }
}
