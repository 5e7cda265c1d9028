package io.attn4j.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The forks' flags come from the project's one list (config/jvm-flags.properties), bundled unchanged. */
class ForkFlagsTest {

    @Test
    void theBundledFlagsAreTheSourcesAndStartTheVectorModule() throws IOException {
        Properties bundled = new Properties(), source = new Properties();
        try (InputStream in = ForkFlags.class.getResourceAsStream(ForkFlags.RESOURCE)) {
            bundled.load(in);
        }
        try (InputStream in = Files.newInputStream(Path.of("..", "config", "jvm-flags.properties"))) {
            source.load(in);
        }
        assertEquals(source, bundled);
        List<String> flags = ForkFlags.read();
        assertEquals(String.join(" ", flags), ForkFlags.KEYS.stream().map(k -> source.getProperty(k).trim())
                .reduce((a, b) -> a + " " + b).orElseThrow());
        assertTrue(Collections.indexOfSubList(flags, List.of("--add-modules", "jdk.incubator.vector")) >= 0,
                "the forks run the vector kernels: " + flags);
        assertEquals(flags, Suite.FORK_FLAGS);
    }
}
