package io.attn4j.bench.suite;

import io.attn4j.bench.MachineLimitsBench;
import io.attn4j.bench.suite.Workloads.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The suite's report as Markdown: environment, machine limits, results, width sweep, workloads. */
final class MarkdownReport {
    /** The results table's header row. */
    static final String RESULTS_HEADER = "| workload | implementation | score | unit | rate | of roofline | attn4j/peer |";
    /** The call-time table's header row (benchmarks in {@code Mode.SampleTime}). */
    static final String CALL_TIMES_HEADER = "| workload | implementation | calls | mean | p50 | p99 | unit | sequences/s "
            + "| attn4j/peer p50 | attn4j/peer p99 |";

    private MarkdownReport() {
    }

    /** The serving table's header row (W9). */
    static final String SERVING_HEADER = "| clients | implementation | sequences/s | p50 | p99 | p99.9 | max | unit "
            + "| mean batch | throughput vs ONNX Runtime | p99 vs ONNX Runtime |";

    static String of(Map<String, String> environment, Roofline roofline, List<Result> results,
            Map<Integer, List<Result>> widths,
            int preferredBits, double minutes, List<String> failures) {
        return of(environment, roofline, results, widths, preferredBits, minutes, failures, List.of());
    }

    static String of(Map<String, String> environment, Roofline roofline, List<Result> results,
            Map<Integer, List<Result>> widths,
            int preferredBits, double minutes, List<String> failures, List<ServingRun.Row> serving) {
        int lanes = preferredBits / Float.SIZE;
        StringBuilder md = new StringBuilder("# attn4j benchmarks\n\n");
        md.append(String.format(Locale.ROOT,
                "Wall time %.1f min. Raw results: `jmh.json`%s; JMH's output: `jmh.log`.%n%n",
                minutes, widths.size() > 1 ? " and `jmh-vector<bits>.json`" : ""));

        md.append("## Environment\n\n| | |\n|---|---|\n");
        environment.forEach((k, v) -> md.append("| ").append(cell(k)).append(" | ").append(cell(v)).append(" |\n"));

        md.append(
                "\n## Machine limits\n\nMeasured in this run, in the same kind of fork and with the same threads as the workloads.\n\n");
        md.append("| limit | value | how |\n|---|---|---|\n");
        md.append("| peak FP32 FMA | ").append(rate(roofline.peakGflops(), "GFLOP/s")).append(" | `limit_fma`: ")
                .append(MachineLimitsBench.CHAINS).append(" independent FMA chains of ").append(lanes)
                .append(" lanes |\n");
        md.append("| read bandwidth | ").append(rate(roofline.bandwidthGbs(), "GB/s"))
                .append(" | `limit_read`: a streaming vector sum over an off-heap segment larger than the last-level cache |\n");
        md.append("| ridge point | ").append(number(roofline.ridge())).append(" FLOP/byte | peak over bandwidth |\n");

        md.append("\n## Results\n\n").append(RESULTS_HEADER).append("\n|---|---|--:|---|--:|--:|--:|\n");
        List<List<Result>> groups = groups(results);
        for (List<Result> group : groups) {
            Result first = group.get(0);
            Optional<Workload> work = Workloads.of(first.op(), first.impl(), first.params(), lanes);
            double attn4j = group.stream().filter(r -> r.impl().equals("attn4j")).mapToDouble(Result::seconds)
                    .findFirst().orElse(Double.NaN);
            for (Result r : group) {
                Optional<Workload> w = first.op().equals("limit")
                        ? Workloads.of(r.op(), r.impl(), r.params(), lanes)
                        : work;
                String label = w.map(Workload::label).orElse(r.op() + " " + r.paramText());
                String err = Double.isNaN(r.error()) ? "" : " ± " + number(r.error());
                String rateText = w.map(x -> rate(r.threads() * x.rate(r.seconds()), x.rateUnit())).orElse("-");
                String place = first.op().equals("limit")
                        ? "limit"
                        : w.flatMap(x -> roofline.place(x, r)).map(p -> percent(p.fraction()) + " (" + p.roof() + ")")
                                .orElse("-");
                String ratio = r.impl().equals("attn4j") || Double.isNaN(attn4j) ? "-" : number(r.seconds() / attn4j);
                md.append("| ").append(cell(label)).append(" | ").append(r.impl()).append(" | ")
                        .append(number(r.score())).append(err)
                        .append(" | ").append(r.unit()).append(" | ").append(rateText).append(" | ").append(place)
                        .append(" | ").append(ratio).append(" |\n");
            }
        }
        md.append("\nRates are per second of all threads together. *of roofline*: the time the roofline allows for the "
                + "call's flops and bytes (`max(flops / peak, bytes / bandwidth)`) over the measured time; *compute, cached*: "
                + "the operands fit in the last-level cache, so only the compute roof applies. Above 100%: a limit was measured low (a busy machine, "
                + "or too few iterations), or the data came from a cache. *attn4j/peer*: the peer's time "
                + "over attn4j's, above 1 when attn4j is faster, always between rows of the same threads per call. "
                + "Workloads labelled *N threads per call* run each call on N threads (attn4j with an executor of N threads, "
                + "OpenBLAS with N threads, ONNX Runtime with N intra-op threads); their compute roof is N times the measured "
                + "peak, their memory roof the measured bandwidth. Unlabelled workloads run each call on one thread.\n");

        callTimes(md, groups, lanes);
        serving(md, serving);
        if (widths.size() > 1) {
            sweep(md, widths, lanes);
        }
        workloads(md, groups, roofline, lanes);
        if (!failures.isEmpty()) {
            md.append(
                    "\n## Failures\n\nThese benchmarks failed (an agreement check in `@Setup`, or a crash) and have no results; "
                            + "`jmh.log` has the stack traces.\n\n");
            failures.forEach(f -> md.append("- ").append(f).append('\n'));
        }
        return md.toString();
    }

    /** The sampled benchmarks' call times: mean, median, 99th percentile, and sequences per second. */
    private static void callTimes(StringBuilder md, List<List<Result>> groups, int lanes) {
        List<List<Result>> sampled = groups.stream().map(g -> g.stream().filter(r -> r.sampled() != null).toList())
                .filter(g -> !g.isEmpty()).toList();
        if (sampled.isEmpty()) {
            return;
        }
        md.append(
                "\n## Call times\n\nBenchmarks in JMH's SampleTime mode time calls one by one: the mean, median (p50) and "
                        + "99th percentile (p99) of the calls timed in the measured iterations. *sequences/s*: sequences per call "
                        + "over the mean time, of all threads together; *attn4j/peer*: the peer's percentile over attn4j's.\n\n");
        md.append(CALL_TIMES_HEADER).append("\n|---|---|--:|--:|--:|--:|---|--:|--:|--:|\n");
        for (List<Result> group : sampled) {
            Result first = group.get(0);
            Optional<Workload> work = Workloads.of(first.op(), first.impl(), first.params(), lanes);
            Optional<Result> attn4j = group.stream().filter(r -> r.impl().equals("attn4j")).findFirst();
            for (Result r : group) {
                Result.Percentiles p = r.sampled();
                String perSecond = work.filter(w -> w.sequences() > 0)
                        .map(w -> number(r.threads() * w.sequences() / r.seconds())).orElse("-");
                Result.Percentiles base = attn4j.filter(a -> a != r && a.unit().equals(r.unit())).map(Result::sampled)
                        .orElse(null);
                md.append("| ").append(cell(work.map(Workload::label).orElse(r.op() + " " + r.paramText())))
                        .append(" | ")
                        .append(r.impl()).append(" | ").append(p.calls()).append(" | ").append(number(r.score()))
                        .append(" | ")
                        .append(number(p.p50())).append(" | ").append(number(p.p99())).append(" | ").append(r.unit())
                        .append(" | ")
                        .append(perSecond).append(" | ").append(base == null ? "-" : number(p.p50() / base.p50()))
                        .append(" | ")
                        .append(base == null ? "-" : number(p.p99() / base.p99())).append(" |\n");
            }
        }
    }

    /** W9: throughput and latency percentiles per client count and implementation, against ONNX Runtime's. */
    static void serving(StringBuilder md, List<ServingRun.Row> rows) {
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n## Serving under load (W9)\n\nThe W7 classifier behind a service's threads: closed-loop clients "
                + "each send one sequence (T <= 100, lengths 50..100) as soon as their previous answer arrives, for a fixed"
                + " time after a warm-up (`ServingBench`, in a JVM of its own; raw results `w9.json`, its output `w9.log`). "
                + "*attn4j_predictor*: one shared `Predictor` (dynamic batching, maxBatch 64, a session per core, no wait "
                + "for fuller batches); *attn4j_session*: a `Session` per client thread, no batching; *onnxruntime*: one shared "
                + "`OrtSession` called by every client (its thread-safe use), one intra-op thread per run. Latency from "
                + "call to answer, recorded with HdrHistogram. *vs ONNX Runtime*: this row's throughput over ONNX "
                + "Runtime's, and ONNX Runtime's p99 over this row's (above 1: better than ONNX Runtime).\n\n");
        md.append(SERVING_HEADER).append("\n|--:|---|--:|--:|--:|--:|--:|---|--:|--:|--:|\n");
        for (ServingRun.Row r : rows) {
            ServingRun.Row onnx = rows.stream()
                    .filter(o -> o.clients() == r.clients() && o.implementation().equals("onnxruntime")).findFirst()
                    .orElse(null);
            boolean peer = onnx == null || onnx == r;
            md.append("| ").append(r.clients()).append(" | ").append(r.implementation()).append(" | ")
                    .append(number(r.perSecond())).append(" | ").append(number(r.p50() / 1e3)).append(" | ")
                    .append(number(r.p99() / 1e3)).append(" | ").append(number(r.p999() / 1e3)).append(" | ")
                    .append(number(r.max() / 1e3)).append(" | ms | ")
                    .append(r.meanBatch() > 0 ? number(r.meanBatch()) : "-").append(" | ")
                    .append(peer ? "-" : number(r.perSecond() / onnx.perSecond())).append(" | ")
                    .append(peer ? "-" : number(onnx.p99() / r.p99())).append(" |\n");
        }
    }

    /** attn4j's rate per width; the FMA peak per width as the first row. */
    private static void sweep(StringBuilder md, Map<Integer, List<Result>> widths, int preferredLanes) {
        md.append(
                "\n## Width sweep\n\nattn4j at each vector width (`-Dattn4j.vectorBits`); the other implementations do not depend on it.\n\n");
        md.append("| workload |");
        widths.keySet().forEach(bits -> md.append(' ').append(bits).append(" bits |"));
        md.append("\n|---|").append("--:|".repeat(widths.size())).append('\n');
        Map<String, Map<Integer, String>> rows = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<Result>> width : widths.entrySet()) {
            int lanes = width.getKey() / Float.SIZE;
            for (List<Result> group : groups(width.getValue())) {
                for (Result r : group) {
                    if (r.impl().equals("attn4j") || r.op().equals("limit") && r.impl().equals("fma")) {
                        Optional<Workload> w = Workloads.of(r.op(), r.impl(), r.params(), lanes);
                        String key = r.op().equals("limit")
                                ? "peak FP32 FMA"
                                : w.map(Workload::label).orElse(r.op() + " " + r.paramText());
                        rows.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(width.getKey(),
                                w.map(x -> rate(r.threads() * x.rate(r.seconds()), x.rateUnit()))
                                        .orElse(number(r.score()) + " " + r.unit()));
                    }
                }
            }
        }
        rows.forEach((label, byWidth) -> {
            md.append("| ").append(cell(label)).append(" |");
            widths.keySet().forEach(bits -> md.append(' ').append(byWidth.getOrDefault(bits, "-")).append(" |"));
            md.append('\n');
        });
    }

    /** The arithmetic intensity of each workload run, and which roof bounds it. */
    private static void workloads(StringBuilder md, List<List<Result>> groups, Roofline roofline, int lanes) {
        md.append(
                "\n## Workloads\n\nWork per call as `Workloads` counts it (bytes: each operand read once, each output written once).\n\n");
        md.append("| workload | FLOPs per call | bytes per call | FLOP/byte | roof |\n|---|--:|--:|--:|---|\n");
        for (List<Result> group : groups) {
            Result first = group.get(0);
            if (first.op().equals("limit")) {
                continue;
            }
            Workloads.of(first.op(), first.impl(), first.params(), lanes)
                    .ifPresent(w -> md.append("| ").append(cell(w.label()))
                            .append(" | ").append(w.flops() == 0 ? "not counted" : scientific(w.flops())).append(" | ")
                            .append(scientific(w.bytes()))
                            .append(" | ").append(w.flops() == 0 ? "-" : number(w.intensity())).append(" | ")
                            .append(roofline.memoryBound(w) ? "memory and compute" : "compute (fits in cache)")
                            .append(" |\n"));
        }
    }

    /** Results grouped by workload (op and parameters), ops in the report's order, implementations in theirs. */
    static List<List<Result>> groups(List<Result> results) {
        Map<String, List<Result>> byWorkload = new LinkedHashMap<>();
        results.stream()
                .sorted(Comparator.comparingInt((Result r) -> rank(Workloads.OPS, r.op())).thenComparing(Result::op))
                .forEach(r -> byWorkload.computeIfAbsent(r.op() + " " + r.paramText(), k -> new ArrayList<>()).add(r));
        List<List<Result>> groups = new ArrayList<>(byWorkload.values());
        groups.forEach(g -> g.sort(Comparator.comparingInt((Result r) -> rank(Workloads.IMPLEMENTATIONS, r.impl()))
                .thenComparing(Result::impl)));
        return groups;
    }

    private static int rank(List<String> order, String name) {
        int i = order.indexOf(name);
        return i < 0 ? order.size() : i;
    }

    private static String rate(double value, String unit) {
        return Double.isNaN(value) ? "-" : number(value) + " " + unit;
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, fraction < 0.1 ? "%.1f%%" : "%.0f%%", 100 * fraction);
    }

    /** Three significant digits, without an exponent for ordinary magnitudes. */
    static String number(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return "-";
        }
        double a = Math.abs(x);
        return a >= 1e6 || a != 0 && a < 1e-3
                ? String.format(Locale.ROOT, "%.3g", x)
                : a >= 100
                        ? String.format(Locale.ROOT, "%.0f", x)
                        : a >= 10
                                ? String.format(Locale.ROOT, "%.1f", x)
                                : String.format(Locale.ROOT, "%.3g", x);
    }

    private static String scientific(double x) {
        return String.format(Locale.ROOT, "%.3g", x);
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
