package io.attn4j.bench;

import io.attn4j.engine.kernel.KernelProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.apache.lucene.util.VectorUtil;

/**
 * Prints a JMH run (its {@code -rf csv} file) as one table per workload: each implementation's
 * time per call, its rate, and attn4j's speed relative to it.
 *
 * <p>Rates: GFLOP/s counts 2MNK flops per GEMM, 2MN per GEMV and 2n per dot; softmax is reported
 * in GB/s counting 8 bytes per element (one float read, one written: the least traffic a
 * softmax can do, not a measured figure). Attention counts {@code 4 T^2 d} flops per head (Q K^T
 * and P V), causal too (where half of them are needed); multi-head attention adds the projections,
 * {@code 8 T E^2}; a decoding step is reported in GB/s of keys and values read ({@code 8 H T d}
 * bytes). The W7 classifier is reported in sequences per second (batch over the mean time per
 * call), with the median and 99th percentile of its sampled call times beside the mean.
 * {@code attn4j/x} is x's time over attn4j's: above 1, attn4j is faster.
 *
 * <p>Usage: {@code Report results.csv}. Run with the forks' JVM flags and environment, since the
 * header loads OpenBLAS, ONNX Runtime and Lucene to say which code paths they pick here.
 */
public final class Report {
    /** Implementations in table order; attn4j first, as the one the others are compared with. */
    private static final List<String> ORDER = List.of("attn4j", "reference", "openblas", "onnxruntime", "lucene", "scalar",
            "memoryread");
    private static final List<String> OPS = List.of("gemm", "softmax", "dot", "gemv", "lstm", "gru", "attn", "mha", "decode",
            "classifier");
    /**
     * The secondary results the tables show, in order: the median and 99th percentile of a
     * {@code Mode.SampleTime} benchmark. Others (further percentiles, profilers' results) are left out.
     */
    private static final List<String> STATISTICS = List.of("", "p0.50", "p0.99");

    /**
     * One benchmark result: {@code op_impl} at {@code params}, {@code score ± error} in {@code unit};
     * {@code statistic} is empty for the primary result (the mean time per call), else the
     * secondary result's label, e.g. {@code p0.99}.
     */
    record Row(String op, String impl, String params, double score, double error, String unit, String statistic) {
        /** A primary result. */
        Row(String op, String impl, String params, double score, double error, String unit) {
            this(op, impl, params, score, error, unit, "");
        }

        /** The implementation and, for a percentile, which one: {@code attn4j p99}. */
        String label() {
            return statistic.isEmpty() ? impl : impl + " p" + statistic.substring("p0.".length());
        }

        /** Seconds per call, or NaN for a mode that does not report time per call. */
        double seconds() {
            double per = switch (unit) {
                case "s/op" -> 1;
                case "ms/op" -> 1e-3;
                case "us/op" -> 1e-6;
                case "ns/op" -> 1e-9;
                default -> Double.NaN;
            };
            return score * per;
        }
    }

    /** What one call of a workload does, for its rate: an amount of work and its unit. */
    record Work(double amount, String rateUnit, String label) {
        static Work of(String op, String params) {
            if (!OPS.contains(op)) {
                return new Work(Double.NaN, "", op + " " + params);
            }
            if (op.equals("attn") || op.equals("mha") || op.equals("decode")) {
                return AttentionWork.of(op, params);
            }
            long[] d = Arrays.stream(params.split("x")).mapToLong(Long::parseLong).toArray();
            return switch (op) {
                case "gemm" -> new Work(2.0 * d[0] * d[1] * d[2], "GFLOP/s", "W1 GEMM " + params + " (M x N x K)");
                case "softmax" -> new Work(8.0 * d[0] * d[1], "GB/s", "W2 row softmax " + params + " (rows x cols)");
                case "dot" -> new Work(2.0 * d[0], "GFLOP/s", "W8 dot, n = " + params);
                case "gemv" -> new Work(2.0 * d[0] * d[1], "GFLOP/s", "W8 GEMV " + params + " (M x N)");
                case "lstm", "gru" -> recurrent(op, d[0], d[1], params);
                case "classifier" -> classifier(d[0]);
                default -> throw new AssertionError(op);
            };
        }

        /** Calls per second times {@link #amount} in {@link #rateUnit}: G-prefixed units count billions. */
        double rate(double seconds) {
            return amount / seconds / (rateUnit.startsWith("G") ? 1e9 : 1);
        }
    }

    /**
     * W6: per step and sequence, the input projection and the recurrent product are 2 G H (in + H)
     * flops (G = 4 gates for the LSTM, 3 for the GRU); the gate pass is not counted.
     */
    private static Work recurrent(String op, long hidden, long batch, String params) {
        long gates = op.equals("lstm") ? 4 : 3, steps = 100, input = 64;
        return new Work(2.0 * gates * hidden * (input + hidden) * steps * batch, "GFLOP/s",
                "W6 " + op.toUpperCase() + " T=100, in=64, hidden x batch = " + params);
    }

    /** W7: one call classifies {@code batch} sequences (see ClassifierBench for the lengths). */
    private static Work classifier(long batch) {
        return new Work(batch, "seq/s", "W7 classifier LSTM(32 -> 64) -> self-attention -> mean -> Linear(64, 1)"
                + " -> sigmoid, T = 100, batch " + batch + (batch == 1 ? " (length 100)" : " (lengths 50..100)"));
    }

    private Report() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Report <jmh-results.csv>");
            System.exit(2);
        }
        Path csv = Path.of(args[0]);
        List<Row> rows = parse(Files.readAllLines(csv));
        System.out.println("attn4j benchmarks: " + csv);
        System.out.print(environment());
        System.out.println();
        System.out.print(table(rows));
    }

    /**
     * The rows of a JMH CSV result file.
     *
     * Secondary results ({@code benchmark:label}) are kept only when {@link #STATISTICS} names them.
     *
     * @throws IllegalArgumentException if the header lacks a column the report needs, or a
     *     benchmark is not named {@code <op>_<implementation>}
     */
    static List<Row> parse(List<String> lines) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("empty JMH result file");
        }
        List<String> header = fields(lines.get(0));
        int name = column(header, "Benchmark");
        int score = column(header, "Score");
        int error = column(header, "Score Error (99.9%)");
        int unit = column(header, "Unit");
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            List<String> f = fields(line);
            String benchmark = f.get(name);
            String statistic = "";
            int colon = benchmark.indexOf(':');
            if (colon >= 0) {
                statistic = benchmark.substring(colon + 1);
                benchmark = benchmark.substring(0, colon);
                if (!STATISTICS.contains(statistic)) {
                    continue;
                }
            }
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            int us = method.indexOf('_');
            if (us < 0) {
                throw new IllegalArgumentException("benchmark " + f.get(name) + " is not named <op>_<implementation>");
            }
            StringBuilder params = new StringBuilder();
            for (int i = 0; i < header.size(); i++) {
                if (header.get(i).startsWith("Param: ") && i < f.size() && !f.get(i).isEmpty()) {
                    params.append(params.isEmpty() ? "" : ",").append(f.get(i));
                }
            }
            rows.add(new Row(method.substring(0, us), method.substring(us + 1), params.toString(),
                    Double.parseDouble(f.get(score)), Double.parseDouble(f.get(error)), f.get(unit), statistic));
        }
        return rows;
    }

    /**
     * One block per workload (op and parameters), implementations in {@link #ORDER}, each one's
     * percentiles (if any) after its mean; a percentile's ratio compares it with attn4j's same
     * percentile, and it has no rate.
     */
    static String table(List<Row> rows) {
        Map<String, List<Row>> workloads = new LinkedHashMap<>();
        rows.stream()
                .sorted(Comparator.comparingInt((Row r) -> rank(OPS, r.op())).thenComparing(Row::op))
                .forEach(r -> workloads.computeIfAbsent(r.op() + " " + r.params(), w -> new ArrayList<>()).add(r));
        StringBuilder out = new StringBuilder();
        for (List<Row> group : workloads.values()) {
            group.sort(Comparator.comparingInt((Row r) -> rank(ORDER, r.impl())).thenComparing(Row::impl)
                    .thenComparingInt(r -> rank(STATISTICS, r.statistic())));
            Work work = Work.of(group.get(0).op(), group.get(0).params());
            Map<String, Double> attn4j = new LinkedHashMap<>();
            group.stream().filter(r -> r.impl().equals("attn4j")).forEach(r -> attn4j.put(r.statistic(), r.seconds()));
            out.append(work.label()).append('\n');
            out.append(String.format(Locale.ROOT, "  %-16s %26s %18s %9s%n", "impl", "time per call (± 99.9%)", "rate", "attn4j/x"));
            for (Row r : group) {
                double rate = r.statistic().isEmpty() ? work.rate(r.seconds()) : Double.NaN;
                double base = attn4j.getOrDefault(r.statistic(), Double.NaN);
                String err = Double.isNaN(r.error()) ? "" : String.format(Locale.ROOT, " ± %.3f", r.error());
                out.append(String.format(Locale.ROOT, "  %-16s %26s %18s %9s%n", r.label(),
                        String.format(Locale.ROOT, "%.3f%s %s", r.score(), err, r.unit()),
                        Double.isNaN(rate) ? "-" : String.format(Locale.ROOT, "%.2f %s", rate, work.rateUnit()),
                        Double.isNaN(base) || Double.isNaN(r.seconds()) ? "-"
                                : String.format(Locale.ROOT, "%.3g", r.seconds() / base)));
            }
            out.append('\n');
        }
        out.append("GFLOP/s: 2MNK flops per GEMM, 2MN per GEMV, 2n per dot, 2GH(in+H) per LSTM/GRU step. Softmax GB/s: 8 bytes per element\n")
                .append("(one float read, one written). Attention: 4 T^2 d flops per head, causal too; MHA adds 8 T E^2;\n")
                .append("decode GB/s: keys and values read. W7 seq/s: sequences per second (batch / mean time); p50, p99:\n")
                .append("percentiles of the sampled call times. attn4j/x: x's time over attn4j's (above 1: attn4j is faster).\n");
        return out.toString();
    }

    /** The code paths in use: JDK, attn4j's kernels, OpenBLAS's core, ONNX Runtime, Lucene. */
    static String environment() {
        StringBuilder out = new StringBuilder();
        out.append("  JDK ").append(Runtime.version()).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, every benchmark on 1 thread\n");
        out.append("  attn4j: ").append(KernelProvider.choice().reason()).append('\n');
        out.append("  OpenBLAS: ").append(OpenBlas.describe()).append('\n');
        out.append("  ONNX Runtime ").append(OnnxModel.version()).append(", 1 intra-op thread\n");
        out.append("  Lucene ").append(org.apache.lucene.util.Version.LATEST).append(": ").append(luceneVectorization()).append('\n');
        return out.toString();
    }

    /**
     * What Lucene logs when it picks its vector implementation (it offers no public query): the
     * provider classes log under this package.
     */
    static String luceneVectorization() {
        Logger logger = Logger.getLogger("org.apache.lucene.internal.vectorization");
        StringBuilder said = new StringBuilder();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                said.append(said.isEmpty() ? "" : "; ").append(new SimpleFormatter().formatMessage(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.setUseParentHandlers(false);
        logger.addHandler(capture);
        try {
            VectorUtil.dotProduct(new float[] {1f}, new float[] {1f});
        } finally {
            logger.removeHandler(capture);
            logger.setUseParentHandlers(true);
        }
        return said.isEmpty() ? "vectorization not reported" : said.toString();
    }

    private static int rank(List<String> order, String name) {
        int i = order.indexOf(name);
        return i < 0 ? order.size() : i;
    }

    private static int column(List<String> header, String name) {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("JMH CSV header has no column \"" + name + "\": " + header);
        }
        return i;
    }

    /** The comma-separated fields of one CSV line; quoted fields may hold commas and doubled quotes. */
    static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        out.add(field.toString());
        return out;
    }
}
