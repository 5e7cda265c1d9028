package io.attn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {
    private static final List<String> CSV = List.of(
            "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\",\"Unit\",\"Param: n\",\"Param: shape\"",
            "\"io.attn4j.bench.GemmBench.gemm_openblas\",\"avgt\",1,5,8.000000,0.100000,\"ms/op\",,1024x1024x1024",
            "\"io.attn4j.bench.GemmBench.gemm_attn4j\",\"avgt\",1,5,10.000000,0.200000,\"ms/op\",,1024x1024x1024",
            "\"io.attn4j.bench.SoftmaxBench.softmax_onnxruntime\",\"avgt\",1,5,1.650000,NaN,\"ms/op\",,2048x2048",
            "\"io.attn4j.bench.DotBench.dot_attn4j\",\"avgt\",1,5,40.000000,1.000000,\"ns/op\",1024,");

    @Test
    void readsEveryRowWithItsOpImplementationAndParameters() {
        List<Report.Row> rows = Report.parse(CSV);
        assertEquals(4, rows.size());
        assertEquals(new Report.Row("gemm", "openblas", "1024x1024x1024", 8.0, 0.1, "ms/op"), rows.get(0));
        assertEquals(new Report.Row("dot", "attn4j", "1024", 40.0, 1.0, "ns/op"), rows.get(3));
        assertTrue(Double.isNaN(rows.get(2).error()));
        assertEquals(40e-9, rows.get(3).seconds(), 1e-18);
    }

    @Test
    void ratesCountFlopsOrBytesAndRatiosCompareWithAttn4j() {
        String table = Report.table(Report.parse(CSV));
        // 2 * 1024^3 flops in 10 ms; OpenBLAS takes 8 ms, so attn4j runs at 0.800 of its speed
        assertTrue(table.contains("214.75 GFLOP/s"), table);
        assertTrue(table.matches("(?s).*openblas .*268\\.44 GFLOP/s +0\\.800\n.*"), table);
        assertTrue(table.indexOf("attn4j ") < table.indexOf("openblas "), "attn4j is listed first:\n" + table);
        // 8 bytes per element of a 2048 x 2048 softmax in 1.65 ms; no attn4j row to compare with
        assertTrue(table.matches("(?s).*onnxruntime .*20\\.34 GB/s +-\n.*"), table);
        // 2 * 1024 flops in 40 ns
        assertTrue(table.contains("51.20 GFLOP/s"), table);
    }

    @Test
    void attentionWorkloadsCountFlopsPerHeadAndDecodeBytes() {
        List<String> csv = List.of(
                "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\",\"Unit\",\"Param: cached\",\"Param: mask\",\"Param: seq\"",
                "\"io.attn4j.bench.AttentionBench.attn_attn4j\",\"avgt\",1,5,8.000000,0.1,\"ms/op\",,causal,2048",
                "\"io.attn4j.bench.AttentionBench.attn_onnxruntime\",\"avgt\",1,5,16.000000,0.1,\"ms/op\",,causal,2048",
                "\"io.attn4j.bench.MhaBench.mha_attn4j\",\"avgt\",1,5,20.000000,0.1,\"ms/op\",,,1024",
                "\"io.attn4j.bench.DecodeBench.decode_attn4j\",\"avgt\",1,5,10000.000000,1,\"us/op\",4096,,");
        String table = Report.table(Report.parse(csv));
        // 4 * 2048^2 * 64 flops in 8 ms, ONNX Runtime twice as long
        assertTrue(table.contains("W3 attention, one head, T = 2048, d = 64, causal"), table);
        assertTrue(table.contains("134.22 GFLOP/s"), table);
        assertTrue(table.matches("(?s).*onnxruntime .*67\\.11 GFLOP/s +2\\.00\n.*"), table);
        // 8 * 1024 * 512^2 + 4 * 1024^2 * 512 flops in 20 ms
        assertTrue(table.contains("214.75 GFLOP/s"), table);
        // 2 * 32 * 4096 * 128 * 4 bytes in 10 ms
        assertTrue(table.contains("13.42 GB/s"), table);
    }

    @Test
    void sampledBenchmarksShowTheirMedianAndP99BesideTheMeanAndSequencesPerSecond() {
        List<String> csv = List.of(
                "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\",\"Unit\",\"Param: batch\"",
                "\"io.attn4j.bench.ClassifierBench.classifier_attn4j\",\"sample\",1,900,0.200000,0.010000,\"ms/op\",1",
                "\"io.attn4j.bench.ClassifierBench.classifier_attn4j:p0.00\",\"sample\",1,1,0.150000,NaN,\"ms/op\",1",
                "\"io.attn4j.bench.ClassifierBench.classifier_attn4j:p0.50\",\"sample\",1,1,0.180000,NaN,\"ms/op\",1",
                "\"io.attn4j.bench.ClassifierBench.classifier_attn4j:p0.99\",\"sample\",1,1,0.400000,NaN,\"ms/op\",1",
                "\"io.attn4j.bench.ClassifierBench.classifier_onnxruntime\",\"sample\",1,900,0.300000,0.010000,\"ms/op\",1",
                "\"io.attn4j.bench.ClassifierBench.classifier_onnxruntime:p0.99\",\"sample\",1,1,1.200000,NaN,\"ms/op\",1",
                "\"io.attn4j.bench.ClassifierBench.classifier_onnxruntime:gc.alloc.rate\",\"sample\",1,1,5.0,NaN,\"MB/sec\",1",
                "\"io.attn4j.bench.ClassifierBench.classifier_attn4j\",\"sample\",1,90,20.000000,1.000000,\"ms/op\",256");
        List<Report.Row> rows = Report.parse(csv);
        // p0.00 and the profiler's row are left out
        assertEquals(6, rows.size());
        assertEquals(new Report.Row("classifier", "attn4j", "1", 0.18, Double.NaN, "ms/op", "p0.50"), rows.get(1));
        String table = Report.table(rows);
        // batch 1 in 0.2 ms: 5000 sequences/s; ONNX Runtime's p99 is 3 times attn4j's
        assertTrue(table.matches("(?s).*\n  attn4j  .*5000\\.00 seq/s .*\n  attn4j p50 .*0\\.180 ms/op +- +1\\.00\n"
                + "  attn4j p99 .*\n  onnxruntime  .*\n  onnxruntime p99 .*1\\.200 ms/op +- +3\\.00\n.*"), table);
        // batch 256 in 20 ms: 12800 sequences/s
        assertTrue(table.contains("batch 256 (lengths 50..100)"), table);
        assertTrue(table.contains("12800.00 seq/s"), table);
    }

    @Test
    void splitsQuotedFieldsOnlyOutsideQuotes() {
        assertEquals(List.of("a,b", "c\"d", "", "7"), Report.fields("\"a,b\",\"c\"\"d\",,7"));
    }

    @Test
    void rejectsABenchmarkNotNamedOpUnderscoreImplementation() {
        List<String> bad = List.of(CSV.get(0), "\"io.attn4j.bench.X.gemm\",\"avgt\",1,5,1.0,0.1,\"ms/op\",,1x1x1");
        assertThrows(IllegalArgumentException.class, () -> Report.parse(bad));
    }
}
