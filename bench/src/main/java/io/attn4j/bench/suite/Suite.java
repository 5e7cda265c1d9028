package io.attn4j.bench.suite;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.attn4j.engine.kernel.KernelProvider;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The benchmark suite as one command: runs the JMH benchmarks through JMH's {@link Runner} in
 * forked JVMs, then writes the raw results and a report into one directory:
 *
 * <ul>
 *   <li>{@code jmh.json}: JMH's JSON of the main run (every implementation, at the machine's
 *       preferred vector width), and {@code jmh-vector<bits>.json} for each width of the sweep
 *       (attn4j's implementations, each call on one thread, and the FMA peak, with
 *       {@code -Dattn4j.vectorBits=<bits>});</li>
 *   <li>{@code jmh.log}: JMH's own console output;</li>
 *   <li>{@code w9.json} and {@code w9.log}: W9, serving under load, run by {@link ServingRun} in a
 *       JVM of its own (it is not a JMH benchmark), unless the filter leaves it out;</li>
 *   <li>{@code report.md}: environment, machine limits, the results table with rates, roofline
 *       fractions and ratios, the width sweep, and the workload table;</li>
 *   <li>{@code *.png}: charts of the rates per workload and implementation, the roofline, the sweep.</li>
 * </ul>
 *
 * <p>The forks inherit this JVM's class path (which must hold the benchmarks and JMH's
 * {@code META-INF/BenchmarkList}) and environment: OpenBLAS picks its kernels from
 * {@code OPENBLAS_CORETYPE} when set, so {@code bin/attn4j bench} unsets it, and the report says
 * which core OpenBLAS chose under the same environment.
 */
public final class Suite {
    /**
     * The JVM flags of every fork ({@link ForkFlags}): the Vector API, native access for the peers,
     * JMH's Unsafe use without a warning.
     */
    static final List<String> FORK_FLAGS = ForkFlags.read();
    private static final Pattern EVERYTHING = Pattern.compile("");
    /** What the width sweep measures: attn4j's implementations, and the FMA peak at that width. */
    private static final Pattern SWEPT = Pattern.compile("_attn4j$|\\.limit_fma$");
    /**
     * {@code --quick}'s iterations: 3 x 0.5 s measured, after 2 x 0.5 s of warm-up, or several 1 s
     * iterations ({@link SuitePlan.Run#slowWarmups}) for the benchmarks that C2 takes seconds to
     * compile on a busy 2-core machine (attn4j's attention and recurrent layers: calls of about a
     * second until the third second; the classifier at batch 1).
     */
    private static final TimeValue QUICK_SLOW_WARMUP = TimeValue.seconds(1);
    private static final TimeValue QUICK_ITERATION = TimeValue.milliseconds(500);

    /** The files a suite wrote, and the benchmarks that failed (not in the results). */
    public record Outcome(Path json, List<Path> sweepJson, Path log, Path markdown, List<Path> charts,
            List<String> failures) {
    }

    private Suite() {
    }

    /**
     * Runs the suite {@code config} asks for, with a progress line per benchmark on {@code console}.
     *
     * @param machine what the caller knows of the machine (CPU model, SIMD flags...), shown first
     *     in the report's environment
     */
    public static Outcome run(SuiteConfig config, Map<String, String> machine, PrintWriter console)
            throws IOException, RunnerException {
        Path out = Files.createDirectories(config.out());
        int preferred = KernelProvider.preferredVectorBits();
        List<SuitePlan.Run> main = SuitePlan.runs(config.quick(), config.filter(), EVERYTHING);
        Map<Integer, List<SuitePlan.Run>> sweep = new TreeMap<>();
        for (int bits : config.vectorBits()) {
            if (bits < preferred) {
                // one thread per call: the sweep is about vector width, and the all-core runs would double its time
                sweep.put(bits, SuitePlan.runs(config.quick(), config.filter(), SWEPT).stream()
                        .filter(r -> !r.params().containsKey("threads")).toList());
            } else if (bits > preferred) {
                console.println("attn4j bench: no " + bits + "-bit sweep, this machine's widest vectors are "
                        + preferred + " bits");
            }
        }
        int total = count(main) + sweep.values().stream().mapToInt(Suite::count).sum();
        console.printf("attn4j bench: %d benchmarks (%s), writing to %s%n", total,
                config.quick() ? "--quick" : "--full", out);
        console.flush();

        long start = System.nanoTime();
        Path log = out.resolve("jmh.log");
        Path json = out.resolve("jmh.json");
        Map<Integer, Path> sweepJson = new TreeMap<>();
        Progress progress;
        try (PrintStream logStream = new PrintStream(Files.newOutputStream(log), true, UTF_8)) {
            progress = new Progress(OutputFormatFactory.createFormatInstance(logStream, VerboseMode.NORMAL), console,
                    total);
            measure(config, main, 0, progress, json);
            for (Map.Entry<Integer, List<SuitePlan.Run>> width : sweep.entrySet()) {
                Path file = out.resolve("jmh-vector" + width.getKey() + ".json");
                measure(config, width.getValue(), width.getKey(), progress, file);
                sweepJson.put(width.getKey(), file);
            }
        }
        List<String> failures = new ArrayList<>(progress.failures());
        List<ServingRun.Row> serving = List.of();
        if (ServingRun.selected(config)) {
            try {
                serving = ServingRun.run(config, out, console, failures);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while W9 ran", e);
            }
        }
        double minutes = (System.nanoTime() - start) / 60e9;

        List<Result> results = Result.read(json);
        Map<Integer, List<Result>> widths = new TreeMap<>();
        widths.put(preferred, results);
        for (Map.Entry<Integer, Path> width : sweepJson.entrySet()) {
            widths.put(width.getKey(), Result.read(width.getValue()));
        }
        Roofline roofline = Roofline.of(results, preferred / Float.SIZE, Roofline.lastLevelCacheBytes());
        Map<String, String> environment = Environment.describe(machine, config, results, preferred, sweep.keySet(),
                roofline);
        Path markdown = out.resolve("report.md");
        Files.writeString(markdown,
                MarkdownReport.of(environment, roofline, results, widths, preferred, minutes, failures, serving),
                UTF_8);
        List<Path> charts = Charts.write(out, roofline, results, widths, preferred);
        return new Outcome(json, List.copyOf(sweepJson.values()), log, markdown, charts, List.copyOf(failures));
    }

    private static int count(List<SuitePlan.Run> runs) {
        return runs.stream().mapToInt(SuitePlan.Run::count).sum();
    }

    /** Runs {@code runs} at {@code bits} (0: the machine's preferred width) and writes their results as JMH JSON to {@code file}. */
    private static void measure(SuiteConfig config, List<SuitePlan.Run> runs, int bits, Progress progress, Path file)
            throws RunnerException {
        List<RunResult> results = new ArrayList<>();
        for (SuitePlan.Run run : runs) {
            // Replaces the JVM arguments JMH would inherit from this JVM and those the classes' @Fork
            // append, keeping the system properties a benchmark's fork needs.
            List<String> append = new ArrayList<>(run.properties());
            if (bits != 0) {
                append.add("-Dattn4j.vectorBits=" + bits);
            }
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .shouldFailOnError(false)
                    .threads(config.threads())
                    .jvmArgs(FORK_FLAGS.toArray(String[]::new))
                    .jvmArgsAppend(append.toArray(String[]::new));
            for (String name : run.benchmarks()) {
                options.include("^" + Pattern.quote(name) + "$");
            }
            run.params().forEach(options::param);
            if (config.quick()) {
                options.forks(1).measurementIterations(3).measurementTime(QUICK_ITERATION)
                        .warmupIterations(run.slowWarmups() > 0 ? run.slowWarmups() : 2)
                        .warmupTime(run.slowWarmups() > 0 ? QUICK_SLOW_WARMUP : QUICK_ITERATION);
            }
            if (config.iterations() != null) {
                options.warmupIterations(config.iterations()).measurementIterations(config.iterations());
            }
            if (config.iterationTime() != null) {
                TimeValue time = TimeValue.milliseconds(Math.max(1, config.iterationTime().toMillis()));
                options.warmupTime(time).measurementTime(time);
            }
            Collection<RunResult> done = new Runner(options.build(), progress).run();
            results.addAll(done);
        }
        ResultFormatFactory.getInstance(ResultFormatType.JSON, file.toString()).writeOut(results);
    }
}
