package io.attn4j.engine.internal.vector.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.kernel.Transpose;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * C1 compiles the micro-kernel at tier 3. When it cannot (the method needs more than C1's virtual
 * registers), HotSpot marks it not C1-compilable, and a run whose busy C2 queue had sent it to
 * tier 2 first keeps it in that boxing C1 code for good: megabytes of garbage per GEMM and a
 * hundredfold slowdown, seen only in some runs. Stopping the tiers at 3 makes the compilation
 * deterministic, so a child JVM with {@code -XX:TieredStopAtLevel=3 -XX:+PrintCompilation}
 * shows the bailout every time.
 */
@Tag("vector-width")
class MicroKernelC1Test {

    @Test
    void tier3CompilesTheMicroKernel() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector",
                "-Dattn4j.vectorBits=" + System.getProperty("attn4j.vectorBits", "512"),
                "-XX:TieredStopAtLevel=3", "-XX:+PrintCompilation",
                "-cp", System.getProperty("java.class.path"), Driver.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, child.exitValue(), log);
        for (String method : List.of("MicroKernel::tile ", "MicroKernel::row ", "MicroKernel::tileInPlace ")) {
            List<String> lines = log.lines().filter(l -> l.contains(method)).toList();
            assertTrue(lines.stream().anyMatch(l -> l.contains(" 3 ")), method + "never compiled at tier 3:\n" + log);
            assertTrue(lines.stream().noneMatch(l -> l.contains("COMPILE SKIPPED")), String.join("\n", lines));
        }
    }

    /**
     * Runs small products (whole and edge tiles, beta 0 and 1; m = 91 leaves a lone row, for
     * {@code row}; narrow ones read A in place, for {@code tileInPlace}) until C1 has compiled the
     * micro-kernels.
     */
    static final class Driver {
        public static void main(String[] args) {
            int m = 96, n = 256, k = 16;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment a = arena.allocate(4L * m * k, 64), b = arena.allocate(4L * n * k, 64);
                MemorySegment c = arena.allocate(4L * m * n, 64);
                for (int r = 0; r < 1000; r++) {
                    Gemm.gemm(Transpose.NO, Transpose.YES, m - r % 7, n - r % 5, k, 1f, a, 0, k, b, 0, k,
                            r % 2, c, 0, n);
                    Gemm.gemm(Transpose.NO, Transpose.NO, m, GemmBlocking.IN_PLACE_A_COLUMNS - r % 5, k, 1f, a, 0, k, b,
                            0, n, r % 2, c, 0, n);
                }
            }
        }
    }
}
