package io.attn4j.engine.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.TestKernels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link Kernels#softmaxRows} against PyTorch's {@code torch.softmax(x, dim=-1)} on every
 * {@code softmax_*} golden case, for the provider's choice and the scalar reference.
 *
 * <p>Tolerance (testdata/golden/README.md): {@code max|got - expected| <= 1e-5 * max(1, max|expected|)}
 * over the tensor. A row of all {@code -inf} is where PyTorch gives NaN; the project's rule is a
 * row of zeros, checked instead.
 */
class SoftmaxGoldenTest {

    @TestFactory
    Stream<DynamicTest> everySoftmaxCaseMatchesPyTorch() {
        List<Path> files = GoldenCases.files("softmax_");
        assertFalse(files.isEmpty(), "no softmax_* cases in " + GoldenCases.directory());
        List<Kernels> implementations = List.of(KernelProvider.kernels(), TestKernels.scalar());
        return files.stream().flatMap(file -> implementations.stream().map(k -> DynamicTest.dynamicTest(
                file.getFileName() + " on " + k.name(), () -> check(GoldenCase.read(file), k))));
    }

    /** The rows checked under the all -inf rule, for the test that makes sure it is exercised. */
    private static int check(GoldenCase c, Kernels kernels) {
        assertEquals("softmax", c.metadata().get("kind"), c + ": kind");
        long[] shape = c.shape("input.x");
        assertEquals(2, shape.length, c + ": input.x is a matrix");
        assertArrayEquals(shape, c.shape("expected.y"));
        int rows = (int) shape[0], cols = (int) shape[1];
        float[] x = c.f32("input.x"), expected = c.f32("expected.y"), got;
        try (Arena arena = Arena.ofConfined()) {
            Tensor in = Tensor.of(arena, x, rows, cols);
            Tensor out = Tensor.allocate(arena, DType.F32, rows, cols);
            out.fill(Float.NaN); // every output must be written
            kernels.softmaxRows(rows, cols, 1f, in.segment(), in.offset(), cols, null, out.segment(), out.offset(),
                    cols);
            got = out.toFloatArray();
        }
        double maxAbsExpected = 0, maxErr = 0;
        int worst = -1, ruleRows = 0;
        for (int r = 0; r < rows; r++) {
            boolean allNegInf = true;
            for (int j = 0; j < cols; j++) {
                allNegInf &= x[r * cols + j] == Float.NEGATIVE_INFINITY;
            }
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                if (allNegInf) { // PyTorch: NaN; attn4j: zeros
                    assertTrue(Float.isNaN(expected[i]), c + ": the file's all -inf row " + r + " should hold NaN");
                    assertEquals(0f, got[i], c + ": row " + r + " is all -inf, the rule is zeros; column " + j);
                    continue;
                }
                assertEquals(Float.isNaN(expected[i]), Float.isNaN(got[i]),
                        c + ": NaN mismatch at (" + r + ", " + j + "): got " + got[i] + ", expected " + expected[i]);
                if (!Float.isNaN(expected[i])) {
                    maxAbsExpected = Math.max(maxAbsExpected, Math.abs(expected[i]));
                    double err = Math.abs((double) got[i] - expected[i]);
                    if (err > maxErr) {
                        maxErr = err;
                        worst = i;
                    }
                }
            }
            ruleRows += allNegInf ? 1 : 0;
        }
        double bound = 1e-5 * Math.max(1, maxAbsExpected);
        if (maxErr > bound) {
            throw new AssertionError(c + " on " + kernels.name() + ": max error " + maxErr + " > " + bound + " at ("
                    + worst / cols + ", " + worst % cols + "): got " + got[worst] + ", expected " + expected[worst]);
        }
        return ruleRows;
    }

    @Test
    void theAllNegInfRuleIsExercised() throws IOException {
        List<Integer> ruleRows = new ArrayList<>();
        for (Path file : GoldenCases.files("softmax_all_neginf_row")) {
            ruleRows.add(check(GoldenCase.read(file), TestKernels.scalar()));
        }
        assertEquals(List.of(1), ruleRows, "softmax_all_neginf_row should be there with one all -inf row");
    }

    @Test
    void everySoftmaxCaseOfTheManifestIsAFile() throws IOException {
        List<String> files = GoldenCases.files("softmax_").stream().map(p -> p.getFileName().toString()).toList();
        assertEquals(GoldenManifest.read().filesOfKind("softmax"), files);
    }
}
