package io.attn4j.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.testing.ForwardingKernels;
import io.attn4j.engine.testing.TestKernels;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The self-check passes the kernels this build has, and fails kernels that break their bound. */
class SelfCheckTest {

    private static Map<String, SelfCheck.Result> byName(List<SelfCheck.Result> results) {
        return results.stream().collect(Collectors.toMap(SelfCheck.Result::kernel, Function.identity()));
    }

    @Test
    void coversEveryKernelsMethod() {
        Set<String> methods = Arrays.stream(Kernels.class.getMethods()).map(Method::getName)
                .filter(m -> !m.equals("name")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> checked = SelfCheck.run(TestKernels.scalar()).stream().map(SelfCheck.Result::kernel)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(methods, checked);
    }

    @Test
    void theReferenceMatchesItselfExactly() {
        for (SelfCheck.Result r : SelfCheck.run(TestKernels.scalar())) {
            assertTrue(r.passed(), r.toString());
            assertEquals(0, r.error(), r.toString());
            assertTrue(r.compared() > 20, r.toString());
        }
    }

    @Test
    void theVectorKernelsPass() {
        for (SelfCheck.Result r : SelfCheck.run(TestKernels.vector())) {
            assertTrue(r.passed(), r.toString());
            assertTrue(r.error() <= r.bound(), r.toString());
        }
    }

    /** exp a few ulps off: {@code ulps} steps up from the reference. */
    private static final class UlpsOffExp extends ForwardingKernels {
        private final int ulps;

        UlpsOffExp(int ulps) {
            super(KernelProvider.scalar());
            this.ulps = ulps;
        }

        @Override
        public void exp(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
            super.exp(n, x, xOff, out, outOff);
            for (int i = 0; i < n; i++) {
                float v = get(out, outOff + i);
                if (Float.isFinite(v) && v > 1e-30f) {
                    set(out, outOff + i, Float.intBitsToFloat(Float.floatToRawIntBits(v) + ulps));
                }
            }
        }
    }

    @Test
    void anElementWiseErrorPastTheBoundFailsAndOneWithinPasses() {
        SelfCheck.Result within = byName(SelfCheck.run(new UlpsOffExp(4))).get("exp");
        assertTrue(within.passed(), within.toString());
        assertEquals(4, within.error(), 0.01, within.toString());
        assertEquals("ulp", within.unit());
        SelfCheck.Result past = byName(SelfCheck.run(new UlpsOffExp(6))).get("exp");
        assertFalse(past.passed(), past.toString());
        assertTrue(past.failure().contains("x["), past.failure());
    }

    @Test
    void brokenKernelsFailTheirCheckAndOnlyTheirs() {
        Kernels broken = new ForwardingKernels(KernelProvider.scalar()) {
            @Override
            public float dot(int n, MemorySegment x, long xOff, MemorySegment y, long yOff) {
                return super.dot(n, x, xOff, y, yOff) * (1 + 1e-3f); // a relative error far past n eps
            }

            @Override
            public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, MemorySegment a,
                    long aOff, long lda, MemorySegment b, long bOff, long ldb, float beta, MemorySegment c,
                    long cOff, long ldc) {
                // reads C even when beta is 0: NaN in C leaks into the result
                super.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta == 0 ? 1e-30f : beta, c,
                        cOff, ldc);
            }

            @Override
            public void softmaxRows(int rows, int cols, float scale, MemorySegment x, long xOff, long ldx,
                    SoftmaxMask mask, MemorySegment out, long outOff, long ldo) {
                super.softmaxRows(rows, cols, scale, x, xOff, ldx, mask, out, outOff, ldo);
                if (rows > 1 && ldo > cols) {
                    set(out, outOff + cols, 0f); // writes between rows
                }
            }

            @Override
            public void relu(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
                super.relu(n, x, xOff, out, outOff);
                if (n > 0 && out.byteSize() >= 4 * (outOff + n + 1)) {
                    set(out, outOff + n, 1f); // one element past the end
                }
            }

            @Override
            public int argmax(int n, MemorySegment x, long xOff) {
                int i = super.argmax(n, x, xOff);
                return n > 2 && get(x, xOff + n - 1) == get(x, xOff + i) ? n - 1 : i; // last among ties
            }

            @Override
            public float logSumExp(int n, MemorySegment x, long xOff) {
                throw new IllegalStateException("not today");
            }
        };
        Map<String, SelfCheck.Result> results = byName(SelfCheck.run(broken));
        Set<String> failed = results.values().stream().filter(r -> !r.passed()).map(SelfCheck.Result::kernel)
                .collect(Collectors.toCollection(TreeSet::new));
        // packB is checked against the candidate's own unpacked gemm, so the broken gemm shows there too
        assertEquals(Set.of("argmax", "dot", "gemm", "logSumExp", "packB", "relu", "softmaxRows"), failed);
        assertTrue(results.get("relu").failure().contains("next to the output"), results.get("relu").failure());
        assertTrue(results.get("logSumExp").failure().contains("not today"));
        assertTrue(results.get("gemm").failure().contains("beta 0.0"), results.get("gemm").failure());
    }
}
