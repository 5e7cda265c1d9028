package io.attn4j.engine.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Only the designated vector packages touch {@code jdk.incubator.vector}: the library's
 * {@code io.attn4j.engine.internal.vector} (and below), reached only through the provider, and the
 * benchmarks that measure the Vector API itself, {@code io.attn4j.bench.vector}. Every other class
 * must run in a JVM without the incubator module. A source scan of the whole repository, so that
 * the rule cannot rot: an import, a qualified name or a class name in a string all count.
 */
class VectorConfinementTest {
    private static final List<String> DESIGNATED = List.of("io.attn4j.engine.internal.vector",
            "io.attn4j.bench.vector");
    private static final Pattern USE = Pattern.compile("jdk\\.incubator\\.vector\\.[A-Za-z*]");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);

    @Test
    void onlyTheDesignatedPackagesUseTheVectorApi() throws IOException {
        Path root = repositoryRoot();
        List<String> violations = new ArrayList<>();
        int scanned = 0, designatedUses = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(VectorConfinementTest::isSource).toList()) {
                scanned++;
                String text = Files.readString(file);
                Matcher pkg = PACKAGE.matcher(text);
                String name = pkg.find() ? pkg.group(1) : "";
                boolean designated = DESIGNATED.stream().anyMatch(d -> name.equals(d) || name.startsWith(d + "."));
                List<String> lines = text.lines().toList();
                for (int i = 0; i < lines.size(); i++) {
                    if (USE.matcher(lines.get(i)).find()) {
                        if (designated) {
                            designatedUses++;
                        } else {
                            violations.add(root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
                        }
                    }
                }
            }
        }
        assertTrue(scanned > 100 && designatedUses > 10,
                "the scan saw " + scanned + " files and " + designatedUses + " uses in the designated packages: is "
                        + root + " the repository?");
        if (!violations.isEmpty()) {
            fail("jdk.incubator.vector used outside " + DESIGNATED + " (move the code behind the provider):\n  "
                    + String.join("\n  ", violations));
        }
    }

    private static boolean isSource(Path p) {
        String s = p.toString();
        return s.endsWith(".java") && !s.contains("/target/") && !s.contains("/.git/");
    }

    /** The outermost directory above the working directory that holds a pom.xml. */
    private static Path repositoryRoot() {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root.getParent() != null && Files.exists(root.getParent().resolve("pom.xml"))) {
            root = root.getParent();
        }
        return root;
    }
}
