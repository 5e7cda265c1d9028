package io.attn4j.engine.internal.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * C1 compiles the tile kernels' register-blocked methods at tier 3 (see MicroKernelC1Test: a
 * method C1 gives up on can stay in boxing tier-2 code for good). A child JVM stopped at tier 3
 * prints its compilations.
 */
@Tag("vector-width")
class VectorTilesC1Test {

    @Test
    void tier3CompilesTheTileKernels() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector",
                "-Dattn4j.vectorBits=" + System.getProperty("attn4j.vectorBits", "512"),
                "-XX:TieredStopAtLevel=3", "-XX:+PrintCompilation",
                "-cp", System.getProperty("java.class.path"), Driver.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, child.exitValue(), log);
        for (String method : List.of("VectorScoreTile::rowGroup ", "VectorValueAccumulation::sixRows ",
                "VectorValueAccumulation::sixRowsSkipping ", "VectorValueAccumulation::fourRows ",
                "VectorValueAccumulation::oneRow ", "VectorValueAccumulation::eightColumns ",
                "VectorOnlineSoftmax::update ")) {
            List<String> lines = log.lines().filter(l -> l.contains(method)).toList();
            assertTrue(lines.stream().anyMatch(l -> l.contains(" 3 ")), method + "never compiled at tier 3:\n" + log);
            assertTrue(lines.stream().noneMatch(l -> l.contains("COMPILE SKIPPED")), String.join("\n", lines));
        }
    }

    /** Runs every tile kernel on a 13-row tile of 100 keys until C1 has compiled them. */
    static final class Driver {
        public static void main(String[] args) {
            VectorTiles t = new VectorTiles();
            int d = 64, n = 100, rows = 13, dv = 40, lds = 128, ld = 64;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment k = arena.allocate(4L * n * d, 64), v = arena.allocate(4L * n * dv, 64);
                float[] q = new float[(rows + 6) * d], kp = new float[lds * d], vp = new float[ld * n];
                float[] s = new float[(rows + 6) * lds], blockMax = new float[rows + 6], o = new float[rows * ld];
                float[] max = new float[rows], sum = new float[rows], alpha = new float[rows], lanes = new float[64];
                for (int i = 0; i < 600; i++) {
                    t.packKeys(n, d, k, 0, d, kp, 0);
                    t.packValues(n, dv, v, 0, dv, vp, 0);
                    t.scoreTile(rows, n, d, 0.1f, q, 0, d, kp, 0, s, 0, lds, blockMax, 0);
                    for (int r = 0; r < rows; r++) {
                        t.softmaxUpdate(s, r * lds, n, n, max, sum, alpha, r, i % 2 == 0 ? blockMax[r] : Float.NaN,
                                lanes);
                    }
                    t.accumulatePacked(rows, n, dv, alpha, 0, s, 0, lds, vp, 0, n * t.valueQuantum(), o, 0, ld,
                            i % 2 == 0);
                    t.accumulate(rows, n, dv, alpha, 0, s, 0, lds, v, 0, dv, o, 0, ld);
                    t.accumulate(1, n, 2 * ld, alpha, 0, s, 0, lds, v, 0, 0, o, 0, ld);
                }
            }
        }
    }
}
