package io.attn4j.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A SampleTime result's percentiles, read from JMH's JSON and shown in the report's call-time table. */
class CallTimesReportTest {
    /** Trimmed JMH 1.37 JSON: two sampled classifier results (two forks of histograms for attn4j) and an averaged dot. */
    private static final String JSON = """
            [
              {"benchmark": "io.attn4j.bench.ClassifierBench.classifier_attn4j", "mode": "sample", "threads": 1,
               "jvmArgs": ["-Dx"], "params": {"batch": "256"},
               "primaryMetric": {"score": 40.0, "scoreError": 2.0, "scoreUnit": "ms/op",
                 "scorePercentiles": {"0.0": 30.0, "50.0": 39.0, "90.0": 44.0, "99.0": 50.0, "100.0": 60.0},
                 "rawDataHistogram": [[[[39.0, 10], [50.0, 2]], [[40.0, 8]]], [[[41.0, 5]]]]}},
              {"benchmark": "io.attn4j.bench.ClassifierBench.classifier_onnxruntime", "mode": "sample", "threads": 1,
               "jvmArgs": [], "params": {"batch": "256"},
               "primaryMetric": {"score": 80.0, "scoreError": 4.0, "scoreUnit": "ms/op",
                 "scorePercentiles": {"50.0": 78.0, "99.0": 125.0},
                 "rawDataHistogram": [[[[78.0, 12]]]]}},
              {"benchmark": "io.attn4j.bench.DotBench.dot_attn4j", "mode": "avgt", "threads": 1, "jvmArgs": [],
               "params": {"n": "1024"},
               "primaryMetric": {"score": 50.0, "scoreError": 1.0, "scoreUnit": "ns/op",
                 "scorePercentiles": {"50.0": 49.0, "99.0": 52.0}}}
            ]
            """;

    @Test
    void readsPercentilesOfSampledResultsOnly(@TempDir Path dir) throws IOException {
        List<Result> results = read(dir);
        assertEquals(new Result.Percentiles(39.0, 50.0, 25), results.get(0).sampled());
        assertEquals(new Result.Percentiles(78.0, 125.0, 12), results.get(1).sampled());
        assertNull(results.get(2).sampled(), "an averaged result's percentiles are of iterations, not calls");
    }

    @Test
    void reportShowsMeanPercentilesSequencesPerSecondAndRatios(@TempDir Path dir) throws IOException {
        List<Result> results = read(dir);
        String md = MarkdownReport.of(Map.of("JDK", "test"), new Roofline(Double.NaN, Double.NaN, 0), results,
                Map.of(256, results),
                256, 1.0, List.of());
        List<String> lines = md.lines().toList();
        int header = lines.indexOf(MarkdownReport.CALL_TIMES_HEADER);
        assertTrue(header > 0, md);
        List<String> rows = lines.subList(header + 2, lines.size()).stream().takeWhile(l -> l.startsWith("|")).toList();
        String label = "W7 classifier LSTM(32 -> 64), self-attention, mean, Linear(64, 1), sigmoid; T = 100, batch 256 (lengths 50..100)";
        // sequences/s: 256 per call over the mean, 256 / 0.040 s = 6400 and 256 / 0.080 s = 3200; ratios 78/39, 125/50
        assertEquals(List.of("| " + label + " | attn4j | 25 | 40.0 | 39.0 | 50.0 | ms/op | 6400 | - | - |",
                "| " + label + " | onnxruntime | 12 | 80.0 | 78.0 | 125 | ms/op | 3200 | 2.00 | 2.50 |"), rows);
    }

    private static List<Result> read(Path dir) throws IOException {
        Path json = dir.resolve("jmh.json");
        Files.writeString(json, JSON);
        return Result.read(json);
    }
}
