package io.attn4j.bench.suite;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The JVM flags every benchmark fork starts with: the library's and the benchmarks' from the
 * project's one list of JVM flags, {@code config/jvm-flags.properties}, which the build bundles
 * beside this class (the tests' argLine and {@code bin/attn4j} read the same file).
 */
final class ForkFlags {
    static final String RESOURCE = "jvm-flags.properties";
    /** The keys whose flags a fork takes, in this order. */
    static final List<String> KEYS = List.of("attn4j.jvm.library", "attn4j.jvm.bench");

    private ForkFlags() {
    }

    /**
     * @throws IllegalStateException if the resource or one of its keys is missing (a jar not built
     *     by the project's Maven build)
     */
    static List<String> read() {
        Properties properties = new Properties();
        try (InputStream in = ForkFlags.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not beside " + ForkFlags.class.getName()
                        + ": build the benchmarks with Maven (bin/attn4j bench does), which copies it from config/");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(RESOURCE + ": " + e.getMessage(), e);
        }
        List<String> flags = new ArrayList<>();
        for (String key : KEYS) {
            String value = properties.getProperty(key);
            if (value == null) {
                throw new IllegalStateException(RESOURCE + " has no " + key);
            }
            for (String flag : value.trim().split("\\s+")) {
                if (!flag.isEmpty()) {
                    flags.add(flag);
                }
            }
        }
        return List.copyOf(flags);
    }
}
