package io.attn4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's "Using the engine from Java" example: the code between the markers below is the
 * README's code block, checked line by line, so the README shows code that compiles and prints
 * what its comment says.
 */
class ReadmeExampleTest {

    private static void example() {
        // @formatter:off
        // README begin
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.of(arena, new float[] {1, 2, 3, 4, 5, 6}, 2, 3); // 2 x 3, row-major
            Tensor b = Tensor.of(arena, new float[] {1, 0, 0, 1, 1, 1}, 3, 2); // 3 x 2
            Tensor c = Tensor.allocate(arena, DType.F32, 2, 2);                // zero-filled, 64-byte aligned

            Kernels kernels = KernelProvider.kernels(); // the vector kernels when usable, else the scalar reference
            // C = 1 * A B + 0 * C; offsets and leading dimensions count floats
            kernels.gemm(Transpose.NO, Transpose.NO, 2, 2, 3, 1f,
                    a.segment(), a.offset(), a.stride(0),
                    b.segment(), b.offset(), b.stride(0),
                    0f, c.segment(), c.offset(), c.stride(0));
            System.out.println(c); // Tensor(F32[2, 2] [4.0, 5.0, 10.0, 11.0])
        }
        // README end
        // @formatter:on
    }

    @Test
    void printsWhatTheReadmeSays() {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            example();
        } finally {
            System.setOut(saved);
        }
        assertEquals("Tensor(F32[2, 2] [4.0, 5.0, 10.0, 11.0])", captured.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        Path module = Path.of(System.getProperty("user.dir"));
        String readme = Files.readString(module.resolveSibling("README.md"));
        List<String> source = Files
                .readAllLines(module.resolve("src/test/java/io/attn4j/engine/ReadmeExampleTest.java"));
        List<String> body = source
                .subList(source.indexOf("        // README begin") + 1, source.indexOf("        // README end"))
                .stream().map(l -> l.length() >= 8 ? l.substring(8) : l).toList();
        String block = readme.substring(readme.indexOf("```java\n") + 8,
                readme.indexOf("```", readme.indexOf("```java\n") + 8));
        List<String> readmeLines = block.lines().toList();
        for (String line : readmeLines.stream().filter(l -> l.startsWith("import ")).toList()) {
            assertTrue(source.contains(line), "README imports what this test does not: " + line);
        }
        assertEquals(String.join("\n", body),
                String.join("\n", readmeLines.subList(readmeLines.indexOf("") + 1, readmeLines.size())));
    }
}
