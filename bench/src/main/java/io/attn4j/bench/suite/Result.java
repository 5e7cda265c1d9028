package io.attn4j.bench.suite;

import io.attn4j.engine.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One benchmark result as JMH's JSON result file holds it: {@code <op>_<impl>} at its parameters,
 * the average time per call {@code score ± error} in {@code unit}, measured by {@code threads}
 * threads in JVMs started with {@code jvmArgs}; for a benchmark in {@code Mode.SampleTime}, also
 * the percentiles of its sampled call times ({@code sampled}, null in the other modes).
 */
public record Result(String benchmark, String op, String impl, Map<String, String> params, double score, double error,
        String unit, int threads, List<String> jvmArgs, Percentiles sampled) {

    /**
     * The median and 99th percentile of the call times a {@code SampleTime} benchmark sampled, in
     * the result's unit, and how many calls it timed.
     */
    public record Percentiles(double p50, double p99, long calls) {
    }

    /** Seconds per call, or NaN for a unit that is not time per call. */
    public double seconds() {
        double per = switch (unit) {
            case "s/op" -> 1;
            case "ms/op" -> 1e-3;
            case "us/op" -> 1e-6;
            case "ns/op" -> 1e-9;
            default -> Double.NaN;
        };
        return score * per;
    }

    /** The parameters as one short string, e.g. {@code 2048, causal}. */
    public String paramText() {
        return String.join(", ", params.values());
    }

    /**
     * The results in a JMH JSON result file ({@code -rf json}), in file order.
     *
     * @throws IllegalArgumentException if it is not JMH's JSON, or a benchmark is not named
     *     {@code <op>_<implementation>}
     */
    public static List<Result> read(Path json) throws IOException {
        if (!(Json.parse(Files.readString(json)) instanceof List<?> entries)) {
            throw new IllegalArgumentException(json + ": a JMH result file is a JSON array");
        }
        List<Result> results = new ArrayList<>();
        for (Object entry : entries) {
            Map<?, ?> e = map(entry, json);
            String name = (String) e.get("benchmark");
            String method = name.substring(name.lastIndexOf('.') + 1);
            int us = method.indexOf('_');
            if (us < 0) {
                throw new IllegalArgumentException(
                        json + ": benchmark " + name + " is not named <op>_<implementation>");
            }
            Map<String, String> params = new LinkedHashMap<>();
            if (e.get("params") instanceof Map<?, ?> p) {
                p.forEach((k, v) -> params.put((String) k, String.valueOf(v)));
            }
            Map<?, ?> metric = map(e.get("primaryMetric"), json);
            List<String> jvmArgs = new ArrayList<>();
            if (e.get("jvmArgs") instanceof List<?> args) {
                args.forEach(a -> jvmArgs.add(String.valueOf(a)));
            }
            results.add(new Result(name, method.substring(0, us), method.substring(us + 1), params,
                    number(metric.get("score")), number(metric.get("scoreError")), (String) metric.get("scoreUnit"),
                    ((Number) e.get("threads")).intValue(), jvmArgs,
                    "sample".equals(e.get("mode")) ? percentiles(metric, json) : null));
        }
        return results;
    }

    /**
     * A sampled metric's percentiles ({@code scorePercentiles}, keyed {@code "50.0"}, {@code "99.0"})
     * and its call count: the counts of {@code rawDataHistogram}, per fork, per iteration, a list of
     * {@code [time, count]} pairs. In the other modes JMH's percentiles are of the iteration scores,
     * not of call times, so they are not read.
     */
    private static Percentiles percentiles(Map<?, ?> metric, Path json) {
        Map<?, ?> p = map(metric.get("scorePercentiles"), json);
        long calls = 0;
        if (metric.get("rawDataHistogram") instanceof List<?> forks) {
            for (Object fork : forks) {
                for (Object iteration : (List<?>) fork) {
                    for (Object bin : (List<?>) iteration) {
                        calls += ((Number) ((List<?>) bin).get(1)).longValue();
                    }
                }
            }
        }
        return new Percentiles(number(p.get("50.0")), number(p.get("99.0")), calls);
    }

    private static Map<?, ?> map(Object value, Path json) {
        if (value instanceof Map<?, ?> m) {
            return m;
        }
        throw new IllegalArgumentException(json + ": expected a JSON object, found " + value);
    }

    /** JMH writes NaN (an error from a single iteration) as the string "NaN". */
    private static double number(Object value) {
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
