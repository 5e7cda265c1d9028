package io.attn4j.bench.suite;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What {@code attn4j bench} was asked to run.
 *
 * @param quick {@code --quick} (one case per workload, short iterations, one fork) or {@code --full}
 * @param filter benchmarks to keep (a regex found in the full name); the machine limits always run
 * @param threads JMH threads calling each benchmark at once (each call is single-threaded)
 * @param vectorBits widths of the sweep beside the main run at the machine's preferred width
 * @param out directory for the JMH JSON, the log, the Markdown report and the charts
 * @param iterations warm-up and measurement iterations each, or null for the mode's default
 * @param iterationTime time of each iteration, or null for the mode's default
 */
public record SuiteConfig(boolean quick, Pattern filter, int threads, List<Integer> vectorBits, Path out,
        Integer iterations,
        Duration iterationTime) {

    public SuiteConfig {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        for (int bits : vectorBits) {
            if (bits != 128 && bits != 256 && bits != 512) {
                throw new IllegalArgumentException("vector width must be 128, 256 or 512 bits, got " + bits);
            }
        }
        if (iterations != null && iterations < 1) {
            throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        }
        if (iterationTime != null && (iterationTime.isNegative() || iterationTime.isZero())) {
            throw new IllegalArgumentException("iteration time must be positive, got " + iterationTime);
        }
        vectorBits = List.copyOf(vectorBits);
    }
}
