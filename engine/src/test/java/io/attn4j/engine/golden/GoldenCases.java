package io.attn4j.engine.golden;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the golden cases are: {@code -Dattn4j.golden=<dir>} when set, else the repository's own
 * copy, {@code testdata/golden} under the outermost directory above the working directory that
 * holds a {@code pom.xml}. A missing directory, or a family of cases with no file, fails the test
 * that asks for it: the cases are part of the test suite, never silently skipped.
 */
public final class GoldenCases {
    private GoldenCases() {
    }

    /** The golden directory (holding {@code README.md} and {@code cases/}); fails the test if absent. */
    public static Path directory() {
        String property = System.getProperty("attn4j.golden");
        Path dir = (property != null && !property.isBlank() ? Path.of(property) : defaultDirectory()).toAbsolutePath()
                .normalize();
        if (!Files.isDirectory(dir.resolve("cases"))) {
            fail("golden cases not found: " + dir.resolve("cases") + " is not a directory"
                    + (property != null ? " (attn4j.golden=" + property + ")" : "")
                    + ". The repository carries the cases in testdata/golden; -Dattn4j.golden=<dir> points elsewhere.");
        }
        return dir;
    }

    /**
     * Every case file whose name starts with {@code prefix}, sorted by name; fails the test when
     * there is none, so that a family of cases cannot go missing unnoticed.
     */
    public static List<Path> files(String prefix) {
        Path cases = directory().resolve("cases");
        List<Path> found;
        try (Stream<Path> files = Files.list(cases)) {
            found = files.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (found.isEmpty()) {
            fail("no golden case named " + prefix + "*.safetensors in " + cases);
        }
        return found;
    }

    private static Path defaultDirectory() {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root.getParent() != null && Files.exists(root.getParent().resolve("pom.xml"))) {
            root = root.getParent();
        }
        return root.resolve("testdata/golden");
    }
}
