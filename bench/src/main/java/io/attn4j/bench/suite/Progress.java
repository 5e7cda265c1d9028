package io.attn4j.bench.suite;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH's output for a suite of several runs: JMH's own text goes to {@code log} unchanged, and the
 * console gets one line as each benchmark starts (which one, how many are left, time elapsed and
 * an estimate of the time left) and one with its score or failure as it ends.
 *
 * <p>The estimate is the mean time of the benchmarks done so far times those left; before the
 * first one ends, this one's planned warm-up and measurement time stands in for the mean.
 */
final class Progress implements OutputFormat {
    /** Time a fork takes beyond its iterations (JVM start, setup, the agreement check), for the first estimate. */
    private static final long FORK_OVERHEAD_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final OutputFormat log;
    private final PrintWriter console;
    private final int total;
    private final long start = System.nanoTime();
    private final List<String> failures = new ArrayList<>();
    private int started;
    private int ended;
    private String current = "";
    private boolean inFailure;

    /** Reports on {@code total} benchmarks (benchmark and parameter combinations) over any number of runs. */
    Progress(OutputFormat log, PrintWriter console, int total) {
        this.log = log;
        this.console = console;
        this.total = total;
    }

    /** One line per benchmark that failed (its name and the exception JMH reported). */
    List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void startBenchmark(BenchmarkParams params) {
        log.startBenchmark(params);
        started++;
        current = shortName(params.getBenchmark()) + paramText(params);
        long elapsed = System.nanoTime() - start;
        long perBenchmark = ended > 0 ? elapsed / ended : planned(params);
        long left = perBenchmark * (total - started + 1);
        console.printf(Locale.ROOT, "[%d/%d] %s  (%s elapsed, about %s left)%n", started, total, current,
                clock(elapsed), clock(left));
        console.flush();
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        log.endBenchmark(result);
        ended++;
        if (result != null) {
            Result<?> score = result.getPrimaryResult();
            console.println("        " + MarkdownReport.number(score.getScore()) + " ± "
                    + MarkdownReport.number(score.getScoreError())
                    + " " + score.getScoreUnit());
        }
        console.flush();
    }

    @Override
    public void println(String s) {
        log.println(s);
        watchForFailure(s);
    }

    /**
     * JMH reports a benchmark that threw (a failed agreement check in {@code @Setup}, say) as a
     * {@code <failure>} line followed by the stack trace; the first exception line says why.
     */
    private void watchForFailure(String line) {
        if (line.contains("<failure>")) {
            inFailure = true;
        } else if (inFailure && !line.isBlank()) {
            String why = line.strip();
            failures.add(current + ": " + why);
            console.println("        FAILED: " + why);
            console.flush();
            inFailure = false;
        }
    }

    /** Planned time of one benchmark: its forks' warm-up and measurement iterations, plus start-up. */
    private static long planned(BenchmarkParams p) {
        long perFork = p.getWarmup().getCount() * p.getWarmup().getTime().convertTo(TimeUnit.NANOSECONDS)
                + p.getMeasurement().getCount() * p.getMeasurement().getTime().convertTo(TimeUnit.NANOSECONDS)
                + FORK_OVERHEAD_NANOS;
        return Math.max(1, p.getForks()) * perFork;
    }

    private static String shortName(String benchmark) {
        int method = benchmark.lastIndexOf('.');
        int type = benchmark.lastIndexOf('.', method - 1);
        return benchmark.substring(type + 1);
    }

    private static String paramText(BenchmarkParams p) {
        List<String> values = new ArrayList<>();
        for (String key : p.getParamsKeys()) {
            values.add(key + "=" + p.getParam(key));
        }
        return values.isEmpty() ? "" : " " + String.join(" ", values);
    }

    private static String clock(long nanos) {
        long s = TimeUnit.NANOSECONDS.toSeconds(nanos);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    @Override
    public void iteration(BenchmarkParams benchParams, IterationParams params, int iteration) {
        log.iteration(benchParams, params, iteration);
    }

    @Override
    public void iterationResult(BenchmarkParams benchParams, IterationParams params, int iteration,
            IterationResult data) {
        log.iterationResult(benchParams, params, iteration, data);
    }

    @Override
    public void startRun() {
        log.startRun();
    }

    @Override
    public void endRun(Collection<RunResult> result) {
        log.endRun(result);
    }

    @Override
    public void print(String s) {
        log.print(s);
    }

    @Override
    public void flush() {
        log.flush();
        console.flush();
    }

    @Override
    public void close() {
        log.flush();
    }

    @Override
    public void verbosePrintln(String s) {
        log.verbosePrintln(s);
    }

    @Override
    public void write(int b) {
        log.write(b);
    }

    @Override
    public void write(byte[] b) throws IOException {
        log.write(b);
    }
}
