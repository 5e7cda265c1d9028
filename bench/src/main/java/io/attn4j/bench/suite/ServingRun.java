package io.attn4j.bench.suite;

import io.attn4j.bench.ServingBench;
import io.attn4j.engine.internal.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * W9 in the suite: {@link ServingBench} is not a JMH benchmark (JMH's thread groups do not express
 * a closed loop of client threads with their own latency histograms), so the suite starts it in a
 * JVM of its own, with the same flags and class path as the JMH forks, and reads the
 * {@code w9.json} it writes ({@code w9.log} has its output). {@code --quick} measures each cell for
 * 3 s after 2 s of warm-up, {@code --full} 10 s after 5 s; {@code --iteration-time} sets both.
 */
final class ServingRun {
    /** One W9 cell as {@code w9.json} holds it; latencies in microseconds. */
    record Row(String implementation, int clients, long calls, double perSecond, double p50, double p99,
            double p999, double max, double meanBatch) {
    }

    private ServingRun() {
    }

    /** Whether the suite runs W9: its name passes the filter. */
    static boolean selected(SuiteConfig config) {
        return config.filter().matcher(ServingBench.NAME).find();
    }

    /**
     * Runs W9 and returns its rows; a failed run is added to {@code failures} (its log says why)
     * and gives no rows.
     */
    static List<Row> run(SuiteConfig config, Path out, PrintWriter console, List<String> failures)
            throws IOException, InterruptedException {
        long warm = config.quick() ? 2000 : 5000, measure = config.quick() ? 3000 : 10000;
        if (config.iterationTime() != null) {
            warm = measure = Math.max(1, config.iterationTime().toMillis());
        }
        Path json = out.resolve("w9.json"), log = out.resolve("w9.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Suite.FORK_FLAGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServingBench.class.getName(), "--out",
                json.toString(), "--warmup-ms", String.valueOf(warm), "--measure-ms", String.valueOf(measure)));
        console.printf("attn4j bench: W9 serving under load, 9 cells of %.0f s in a JVM of its own (log: %s)%n",
                (warm + measure) / 1e3, log);
        console.flush();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int code = process.waitFor();
        if (code != 0 || !Files.exists(json)) {
            failures.add(ServingBench.NAME + " (exit code " + code + ", see w9.log)");
            return List.of();
        }
        return read(json);
    }

    /** The rows of a {@code w9.json}. */
    static List<Row> read(Path json) throws IOException {
        List<Row> rows = new ArrayList<>();
        if (!(Json.parse(Files.readString(json)) instanceof List<?> entries)) {
            throw new IllegalArgumentException(json + ": expected a JSON array");
        }
        for (Object entry : entries) {
            Map<?, ?> e = (Map<?, ?>) entry;
            rows.add(new Row((String) e.get("implementation"), number(e, "clients").intValue(),
                    number(e, "calls").longValue(), number(e, "sequences_per_second").doubleValue(),
                    number(e, "p50_us").doubleValue(), number(e, "p99_us").doubleValue(),
                    number(e, "p999_us").doubleValue(), number(e, "max_us").doubleValue(),
                    number(e, "mean_batch").doubleValue()));
        }
        return rows;
    }

    private static Number number(Map<?, ?> e, String key) {
        if (e.get(key) instanceof Number n) {
            return n;
        }
        throw new IllegalArgumentException("w9.json: " + key + " is not a number: " + e.get(key));
    }
}
