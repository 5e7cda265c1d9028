package io.attn4j.bench;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Run settings every benchmark class inherits: average time per call on one thread, in one fork.
 * The forks' JVM flags are not set here: {@code attn4j bench} starts them with those of
 * {@code config/jvm-flags.properties} (see {@code suite.ForkFlags}), and JMH's own {@code Main}
 * gives them the flags its JVM was started with.
 *
 * <p>Budget: about 5 x 2 s warm-up and 5 x 2 s measurement per benchmark, so the ~23 benchmarks
 * take 10 minutes on one core. The scalar GEMM (seconds per call) overrides this with fewer,
 * shorter iterations. Command-line options ({@code -f}, {@code -wi}, {@code -i}, {@code -w},
 * {@code -r}) override both.
 */
@BenchmarkMode(Mode.AverageTime)
@Fork(1)
@Threads(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class BenchSettings {
}
