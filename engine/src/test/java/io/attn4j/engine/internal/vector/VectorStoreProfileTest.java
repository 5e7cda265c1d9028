package io.attn4j.engine.internal.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.SoftmaxMask;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * After every kernel with a transcendental or a NaN test has run in the interpreter and in C1, the
 * profile of {@code FloatVector.intoMemorySegment} that C2 compiles the stores of later kernels
 * with has seen native segments only (see VectorAccess: a float-to-int reinterpretation outside
 * C2 stores into a heap segment, and C2 then compiles every vector store as one into an unknown
 * object). A child JVM prints C2's inlining decisions for the vector kernels, with the receiver
 * types each profiled call saw.
 */
@Tag("vector-width")
class VectorStoreProfileTest {

    @Test
    void storesIntoSegmentsSeeOnlyNativeSegments() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector",
                "-Dattn4j.vectorBits=" + System.getProperty("attn4j.vectorBits", "512"),
                "-XX:+UnlockDiagnosticVMOptions", "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=PrintInlining,io.attn4j.engine.internal.vector.VectorElementwise::*",
                "-cp", System.getProperty("java.class.path"), Driver.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, child.exitValue(), log);
        List<String> stores = log.lines()
                .filter(l -> l.contains("intoMemorySegment") && l.contains("TypeProfile")).toList();
        assertFalse(stores.isEmpty(), "C2 never inlined a profiled store into a segment:\n" + log);
        assertTrue(stores.stream().noneMatch(l -> l.contains("HeapMemorySegmentImpl")), String.join("\n", stores));
    }

    /**
     * Runs exp, tanh, sigmoid, softmax (with and without a mask), log-sum-exp and argmax over a
     * NaN until C1 has compiled them, then {@code scale}, a plain store loop, until C2 has.
     */
    static final class Driver {
        public static void main(String[] args) {
            Kernels k = new VectorKernels();
            int n = 67;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = arena.allocate(4L * n * 4, 64), y = arena.allocate(4L * n * 4, 64);
                MemorySegment add = arena.allocate(4L * n * 4, 64), ex = arena.allocate(n * 4, 64);
                for (int i = 0; i < 4 * n; i++) {
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 13) - 6f);
                }
                SoftmaxMask mask = SoftmaxMask.additive(add, 0, n).withExcluded(ex, 0, n);
                for (int r = 0; r < 3000; r++) {
                    k.exp(n, x, 0, y, 0);
                    k.tanh(n, x, 0, y, 0);
                    k.sigmoid(n, x, 0, y, 0);
                    k.softmaxRows(4, n, 0.5f, x, 0, n, null, y, 0, n);
                    k.softmaxRows(4, n, 0.5f, x, 0, n, mask, y, 0, n);
                    k.logSumExp(n, x, 0);
                    y.setAtIndex(ValueLayout.JAVA_FLOAT, 3, Float.NaN);
                    k.argmax(n, y, 0);
                }
                MemorySegment big = arena.allocate(4L * 4096, 64);
                for (int r = 0; r < 100_000; r++) {
                    k.scale(4096, 0.5f, big, 0);
                }
            }
        }
    }
}
