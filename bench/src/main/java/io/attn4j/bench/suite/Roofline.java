package io.attn4j.bench.suite;

import io.attn4j.bench.suite.Workloads.Workload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The two roofs measured in a run, for all its threads together: peak FMA throughput
 * ({@code limit_fma}) and read bandwidth ({@code limit_read}), and where each result sits below them.
 *
 * <p>A call that does {@code F} flops and moves {@code B} bytes takes at least
 * {@code max(F / peak, B / bandwidth)}; the fraction of the roofline is that time over the measured
 * one, i.e. {@code max(F/t / peak, B/t / bandwidth)}. The memory roof is main memory's: it applies
 * only to workloads whose bytes exceed half the last-level cache (smaller ones stay cached between
 * calls, so only the compute roof bounds them), and to those whose flops are not counted.
 *
 * <p>A workload on N threads per call ({@link Workload#callThreads}) is held to N times the
 * compute roof (each core has its own FMA units) but to the memory roof as measured, which with
 * fewer threads than N is a lower bound of N threads' bandwidth: its memory fraction may read high.
 *
 * @param peakGflops all threads' FMA peak, NaN if not measured
 * @param bandwidthGbs all threads' read bandwidth, NaN if not measured
 * @param llcBytes size of the last-level cache, 0 if unknown (then the memory roof always applies)
 */
public record Roofline(double peakGflops, double bandwidthGbs, long llcBytes) {

    /** A result's place under the roofline: the fraction of the binding roof, and which roof that is. */
    public record Place(double fraction, String roof) {
    }

    /** The roofs of {@code results} (the run's {@code limit_*} rows), for vector species of {@code lanes}. */
    static Roofline of(List<Result> results, int lanes, long llcBytes) {
        return new Roofline(limit(results, "fma", lanes), limit(results, "read", lanes), llcBytes);
    }

    private static double limit(List<Result> results, String impl, int lanes) {
        return results.stream().filter(r -> r.op().equals("limit") && r.impl().equals(impl)).findFirst()
                .flatMap(r -> Workloads.of(r.op(), r.impl(), r.params(), lanes)
                        .map(w -> r.threads() * w.rate(r.seconds())))
                .orElse(Double.NaN);
    }

    /** Whether the memory roof bounds {@code w}. */
    public boolean memoryBound(Workload w) {
        return w.flops() == 0 || llcBytes == 0 || w.bytes() > llcBytes / 2.0;
    }

    /** Flops per byte where the two roofs meet. */
    public double ridge() {
        return peakGflops / bandwidthGbs;
    }

    /** Where {@code r}, a call of {@code w}, sits; empty without the roofs it needs. */
    public Optional<Place> place(Workload w, Result r) {
        double calls = r.threads() / r.seconds();
        double compute = w.flops() * calls / 1e9 / (peakGflops * w.callThreads());
        double memory = memoryBound(w) ? w.bytes() * calls / 1e9 / bandwidthGbs : 0;
        if (Double.isNaN(compute) && w.flops() > 0 || Double.isNaN(memory)) {
            return Optional.empty();
        }
        if (w.flops() == 0) {
            return Optional.of(new Place(memory, "memory"));
        }
        return Optional.of(memory > compute
                ? new Place(memory, "memory")
                : new Place(compute, memoryBound(w) ? "compute" : "compute, cached"));
    }

    /** The largest cache's size from Linux's sysfs, or 0 where it cannot be read. */
    static long lastLevelCacheBytes() {
        Path caches = Path.of("/sys/devices/system/cpu/cpu0/cache");
        try (Stream<Path> dirs = Files.list(caches)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("index")).mapToLong(Roofline::cacheBytes)
                    .max().orElse(0);
        } catch (IOException | RuntimeException e) {
            return 0; // not Linux, or no sysfs: the memory roof then applies to every workload
        }
    }

    static long cacheBytes(Path index) {
        try {
            String size = Files.readString(index.resolve("size")).trim().toUpperCase(Locale.ROOT);
            long unit = size.endsWith("K") ? 1L << 10 : size.endsWith("M") ? 1L << 20 : 1;
            return Long.parseLong(size.replaceAll("[KM]$", "")) * unit;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
