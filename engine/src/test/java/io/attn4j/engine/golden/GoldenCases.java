package io.attn4j.engine.golden;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the golden cases are: {@code -Dattn4j.golden=<dir>} (the build sets it to
 * {@code <repo root>/../shared/golden}), else {@code ../shared/golden} next to the outermost
 * directory above the working directory that holds a {@code pom.xml}. A missing directory fails
 * the test that asks for it: the cases are part of the test suite, never silently skipped.
 */
public final class GoldenCases {
    private GoldenCases() {
    }

    /** The golden directory (holding {@code README.md} and {@code cases/}); fails the test if absent. */
    public static Path directory() {
        String property = System.getProperty("attn4j.golden");
        Path dir = (property != null && !property.isBlank() ? Path.of(property) : defaultDirectory()).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir.resolve("cases"))) {
            fail("golden cases not found: " + dir.resolve("cases") + " is not a directory"
                    + (property != null ? " (attn4j.golden=" + property + ")" : "")
                    + ". The tests expect shared/golden beside the repository root (<repo>/../shared/golden):"
                    + " put a copy there, or run with -Dattn4j.golden=<dir>.");
        }
        return dir;
    }

    /** Every case file whose name starts with {@code prefix}, sorted by name. */
    public static List<Path> files(String prefix) {
        try (Stream<Path> files = Files.list(directory().resolve("cases"))) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path defaultDirectory() {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root.getParent() != null && Files.exists(root.getParent().resolve("pom.xml"))) {
            root = root.getParent();
        }
        return root.resolve("../shared/golden");
    }
}
