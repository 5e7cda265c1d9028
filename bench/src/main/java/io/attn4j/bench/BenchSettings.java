package io.attn4j.bench;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Run settings every benchmark class inherits: average time per call on one thread, in one fork
 * started with the flags attn4j needs (the Vector API module, and native access for FFM and the
 * peers' JNI libraries), plus one that lets JMH's own harness use {@code sun.misc.Unsafe} without a
 * JDK 24+ warning in every fork.
 *
 * <p>Budget: about 5 x 2 s warm-up and 5 x 2 s measurement per benchmark, so the ~23 benchmarks
 * take 10 minutes on one core. The scalar GEMM (seconds per call) overrides this with fewer,
 * shorter iterations. Command-line options ({@code -f}, {@code -wi}, {@code -i}, {@code -w},
 * {@code -r}) override both.
 */
@BenchmarkMode(Mode.AverageTime)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
@Threads(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class BenchSettings {
}
