package io.attn4j.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.bench.suite.Workloads.Workload;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Results with each call on several threads: labelled apart, compared only with rows of the same thread count. */
class AllCoresReportTest {
    private static final String LABEL = "W3 attention, one head, T = 2048, d = 64, no mask";

    @Test
    void workloadOnSeveralThreadsIsTheSameWorkLabelledWithItsThreads() {
        Workload one = Workloads.of("attn", "attn4j", params("1"), 8).orElseThrow();
        Workload two = Workloads.of("attn", "onnxruntime", params("2"), 8).orElseThrow();
        assertEquals(LABEL, one.label());
        assertEquals(LABEL + ", 2 threads per call", two.label());
        assertEquals(1, one.callThreads());
        assertEquals(2, two.callThreads());
        assertEquals(one.flops(), two.flops());
        assertEquals(one.bytes(), two.bytes());
        assertEquals(one, Workloads.of("attn", "attn4j", Map.of("seq", "2048", "mask", "none"), 8).orElseThrow(),
                "no threads parameter: one thread");
    }

    @Test
    void ratiosAreBetweenRowsOfTheSameThreadsPerCall() {
        List<Result> results = List.of(result("attn4j", "1", 10), result("onnxruntime", "1", 20),
                result("attn4j", "2", 4), result("onnxruntime", "2", 6), result("openblas", "2", 5));
        String md = MarkdownReport.of(Map.of("JDK", "test"), new Roofline(Double.NaN, Double.NaN, 0), results,
                Map.of(256, results),
                256, 1.0, List.of());
        List<String> rows = md.lines().filter(l -> l.startsWith("| W3") && l.contains(" ms/op ")).toList();
        // ratios: 20/10 on one thread; 6/4 and 5/4 on two, against the two-thread attn4j (10/4 would mix counts)
        assertEquals(5, rows.size(), md);
        assertRow(rows.get(0), LABEL, "attn4j", "-");
        assertRow(rows.get(1), LABEL, "onnxruntime", "2.00");
        String two = LABEL + ", 2 threads per call";
        assertRow(rows.get(2), two, "attn4j", "-");
        assertRow(rows.get(3), two, "openblas", "1.25");
        assertRow(rows.get(4), two, "onnxruntime", "1.50");
    }

    @Test
    void rooflineHoldsCallsOnNThreadsToNTimesThePeak() {
        // 4 T^2 d = 1.07e9 flops in 10 ms: 107 GFLOP/s, half of a 214 GFLOP/s peak on one thread, a quarter of two threads' peak
        Roofline roofline = new Roofline(4 * 2048.0 * 2048 * 64 / 0.010 / 1e9 * 2, Double.NaN, 1L << 30);
        Workload one = Workloads.of("attn", "attn4j", params("1"), 8).orElseThrow();
        Workload two = Workloads.of("attn", "attn4j", params("2"), 8).orElseThrow();
        assertEquals(0.5, roofline.place(one, result("attn4j", "1", 10)).orElseThrow().fraction(), 1e-12);
        assertEquals(0.25, roofline.place(two, result("attn4j", "2", 10)).orElseThrow().fraction(), 1e-12);
    }

    private static void assertRow(String row, String label, String impl, String ratio) {
        String[] cells = row.split(" \\| ");
        assertEquals("| " + label, cells[0], row);
        assertEquals(impl, cells[1], row);
        assertTrue(row.endsWith("| " + ratio + " |"), row);
    }

    private static Map<String, String> params(String threads) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("seq", "2048");
        p.put("mask", "none");
        p.put("threads", threads);
        return p;
    }

    private static Result result(String impl, String threads, double ms) {
        return new Result("io.attn4j.bench.AttentionBench.attn_" + impl, "attn", impl, params(threads), ms, Double.NaN,
                "ms/op", 1,
                List.of(), null);
    }
}
