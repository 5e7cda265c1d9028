package io.attn4j.engine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps the README's code blocks true: a test runs the code between its {@code // README begin}
 * and {@code // README end} lines, and checks here that the README shows exactly those lines.
 * Paths resolve against the module's directory (the working directory of its tests); the README
 * is the repository's, beside it.
 */
public final class ReadmeBlocks {
    private static final Path MODULE = Path.of(System.getProperty("user.dir"));
    private static final String JAVA_FENCE = "```java\n";

    private ReadmeBlocks() {
    }

    /** The repository's README. */
    public static String readme() {
        return read(MODULE.resolveSibling("README.md"));
    }

    /**
     * Where the last of {@code markers} is in the README, each searched from the one before (a
     * section, then a heading or a word in it).
     */
    public static int find(String readme, String... markers) {
        int at = 0;
        for (String marker : markers) {
            at = readme.indexOf(marker, at);
            assertTrue(at >= 0, "README has no '" + marker + "' where expected (after " + List.of(markers) + ")");
        }
        return at;
    }

    /**
     * Asserts that the README's first Java block from {@code from} is, line for line, the lines of
     * {@code testSource} between {@code // README begin<part>} and {@code // README end<part>}
     * (less the method body's 8-space indent).
     *
     * @param testSource the test's source, relative to the module
     * @return where that block ends in the README, to find a next one from
     */
    public static int assertShows(String readme, int from, String testSource, String part) {
        List<String> source = read(MODULE.resolve(testSource)).lines().toList();
        List<String> body = source
                .subList(source.indexOf("        // README begin" + part) + 1,
                        source.indexOf("        // README end" + part))
                .stream().map(l -> l.length() >= 8 ? l.substring(8) : l).toList();
        int start = readme.indexOf(JAVA_FENCE, from) + JAVA_FENCE.length();
        int end = readme.indexOf("```", start);
        List<String> block = readme.substring(start, end).lines().toList();
        assertEquals(String.join("\n", body), String.join("\n", block), "README block" + part);
        return end + 3;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
