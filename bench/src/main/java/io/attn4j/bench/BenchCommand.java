package io.attn4j.bench;

import io.attn4j.bench.suite.Suite;
import io.attn4j.bench.suite.SuiteConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code attn4j bench}: the JMH suite with its report (see {@link Suite}); exits 1 when a benchmark
 * failed. It lives with the benchmarks so that the attn4j command stays light: the command's
 * {@code Main} adds it, by name, when the benchmarks jar is on the class path, as
 * {@code bin/attn4j bench} arranges. Public, with a public constructor, for that lookup.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run the benchmark suite (JMH, forked JVMs) against "
        + "the scalar reference, OpenBLAS, ONNX Runtime and Lucene, with the machine's FMA peak and read bandwidth measured in "
        + "the same run, and write the JMH JSON, a Markdown report (rates, roofline fractions, attn4j/peer ratios) and PNG charts.")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--quick", description = "One case per workload, short iterations, 1 fork: a few minutes (the default).")
    private boolean quick;

    @Option(names = "--full", description = "Every workload and parameter with each benchmark's own iterations: the real run.")
    private boolean full;

    @Option(names = "--filter", paramLabel = "REGEX", description = "Only benchmarks whose full name this regex finds (the machine limits always run).")
    private String filter = "";

    @Option(names = "--threads", paramLabel = "N", description = "JMH threads calling each benchmark at once (default: ${DEFAULT-VALUE}).")
    private int threads = 1;

    @Option(names = "--vector-bits", paramLabel = "BITS", split = ",", description = "Also run attn4j's benchmarks at these widths, e.g. 128,256,512 (the main run uses the machine's preferred width).")
    private List<Integer> vectorBits = List.of();

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: bench/results/<date-time>).")
    private Path out;

    @Option(names = "--iterations", paramLabel = "N", description = "Warm-up and measurement iterations, each (default: the mode's).")
    private Integer iterations;

    @Option(names = "--iteration-time", paramLabel = "MS", description = "Milliseconds per iteration (default: the mode's).")
    private Long iterationMillis;

    @Override
    public Integer call() throws Exception {
        if (quick && full) {
            throw new ParameterException(spec.commandLine(), "--quick and --full exclude each other");
        }
        Pattern regex;
        try {
            regex = Pattern.compile(filter);
        } catch (PatternSyntaxException e) {
            throw new ParameterException(spec.commandLine(), "--filter: " + e.getDescription() + " in " + filter);
        }
        PrintWriter console = spec.commandLine().getOut();
        Path dir = out != null
                ? out
                : Path.of("bench", "results",
                        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        SuiteConfig config;
        try {
            config = new SuiteConfig(!full, regex, threads, vectorBits, dir, iterations,
                    iterationMillis == null ? null : Duration.ofMillis(iterationMillis));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Suite.Outcome outcome = Suite.run(config, CpuInfo.describe(), console);
        console.println();
        console.println("Report:  " + outcome.markdown());
        console.println(
                "JSON:    " + outcome.json() + (outcome.sweepJson().isEmpty() ? "" : " " + outcome.sweepJson()));
        console.println("Charts:  " + outcome.charts().size() + " PNG files in " + outcome.markdown().getParent());
        console.println("JMH log: " + outcome.log());
        if (!outcome.failures().isEmpty()) {
            console.println(outcome.failures().size() + " benchmark(s) failed; see the report's Failures section.");
        }
        console.flush();
        return outcome.failures().isEmpty() ? 0 : 1;
    }
}
