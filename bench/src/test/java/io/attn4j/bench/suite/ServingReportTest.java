package io.attn4j.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** W9's rows, read from the harness's {@code w9.json} and shown in the report's serving table against ONNX Runtime. */
class ServingReportTest {
    private static final String JSON = """
            [{"implementation": "attn4j_predictor", "clients": 64, "calls": 3000, "seconds": 1.0,
              "sequences_per_second": 3000.0, "p50_us": 2000.0, "p99_us": 4000.0, "p999_us": 5000.0,
              "max_us": 9000.0, "mean_batch": 31.5},
             {"implementation": "onnxruntime", "clients": 64, "calls": 1500, "seconds": 1.0,
              "sequences_per_second": 1500.0, "p50_us": 40000.0, "p99_us": 8000.0, "p999_us": 90000.0,
              "max_us": 99000.0, "mean_batch": 0.0}]
            """;

    @Test
    void tableShowsPercentilesInMillisecondsAndRatiosToOnnxRuntime(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("w9.json");
        Files.writeString(json, JSON);
        List<ServingRun.Row> rows = ServingRun.read(json);
        assertEquals(2, rows.size());
        String md = MarkdownReport.of(Map.of("JDK", "test"), new Roofline(Double.NaN, Double.NaN, 0), List.of(),
                Map.of(), 256, 1.0, List.of(), rows);
        List<String> lines = md.lines().toList();
        int header = lines.indexOf(MarkdownReport.SERVING_HEADER);
        assertTrue(header > 0, md);
        // throughput 3000 / 1500 = 2.00; p99 ONNX Runtime's 8 ms over 4 ms = 2.00
        assertEquals(List.of("| 64 | attn4j_predictor | 3000 | 2.00 | 4.00 | 5.00 | 9.00 | ms | 31.5 | 2.00 | 2.00 |",
                "| 64 | onnxruntime | 1500 | 40.0 | 8.00 | 90.0 | 99.0 | ms | - | - | - |"),
                lines.subList(header + 2, header + 4));
    }

    @Test
    void aReportWithoutW9HasNoServingTable() {
        String md = MarkdownReport.of(Map.of("JDK", "test"), new Roofline(Double.NaN, Double.NaN, 0), List.of(),
                Map.of(), 256, 1.0, List.of());
        assertFalse(md.contains(MarkdownReport.SERVING_HEADER));
    }

    @Test
    void theFilterSelectsW9ByName() {
        SuiteConfig all = new SuiteConfig(true, Pattern.compile(""), 1, List.of(), Path.of("x"), null, null);
        SuiteConfig dots = new SuiteConfig(true, Pattern.compile("DotBench"), 1, List.of(), Path.of("x"), null, null);
        SuiteConfig w9 = new SuiteConfig(true, Pattern.compile("Serving"), 1, List.of(), Path.of("x"), null, null);
        assertTrue(ServingRun.selected(all));
        assertFalse(ServingRun.selected(dots));
        assertTrue(ServingRun.selected(w9));
    }
}
