package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The Keras cases of {@code testdata/keras} (see its README and make_keras_cases.py). */
final class KerasCases {
    private KerasCases() {
    }

    static Path directory() {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root.getParent() != null && Files.exists(root.getParent().resolve("pom.xml"))) {
            root = root.getParent();
        }
        Path dir = root.resolve("testdata/keras");
        if (!Files.isDirectory(dir)) {
            fail("Keras cases not found: " + dir + " is not a directory");
        }
        return dir;
    }

    /** Every case name (a NAME.keras file), sorted; fails when there is none. */
    static List<String> names() {
        try (Stream<Path> files = Files.list(directory())) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".keras") && !n.startsWith("bad_"))
                    .map(n -> n.substring(0, n.length() - ".keras".length())).sorted().toList();
            assertTrue(names.size() >= 10, "expected the Keras cases in " + directory() + ", found " + names);
            return names;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Path file(String name, String suffix) {
        return directory().resolve(name + suffix);
    }

    /** A case's .npy array, or null when the case has none. */
    static Tensor npy(String name, String suffix, Arena arena) throws IOException {
        Path p = file(name, suffix);
        return Files.exists(p) ? Npy.read(p, arena) : null;
    }

    /**
     * Checks {@code got} against Keras' {@code expected}: {@code |got - expected| <= 1e-5 * max(1,
     * max|expected|)} (the golden cases' rule; the float32 sums here are a few hundred terms, whose
     * rounding differs from Keras' by ~1e-6 relative), NaN where Keras gives NaN, and, for per-step
     * outputs, exactly 0 where {@code keep} is false.
     */
    static void assertMatches(String what, float[] expected, float[] got, boolean[] keep, int stepSize) {
        assertEquals(expected.length, got.length, what + ": output size");
        double scale = 1;
        for (float e : expected) {
            if (Float.isFinite(e)) {
                scale = Math.max(scale, Math.abs(e));
            }
        }
        double tol = 1e-5 * scale;
        for (int i = 0; i < expected.length; i++) {
            boolean kept = keep == null || keep[i / stepSize];
            if (!kept) {
                assertEquals(0f, got[i], what + ": element " + i + " is at a masked step");
            } else if (Float.isNaN(expected[i])) {
                assertTrue(Float.isNaN(got[i]), what + ": element " + i + " is NaN in Keras, got " + got[i]);
            } else if (!(Math.abs(got[i] - expected[i]) <= tol)) {
                fail(what + ": element " + i + " is " + got[i] + ", Keras " + expected[i] + " (tolerance " + tol
                        + ")");
            }
        }
    }
}
