package io.attn4j.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What the suite plans to run of W7, and with which fork flags. */
class SuitePlanTest {
    private static final Pattern ALL = Pattern.compile("");
    private static final Pattern CLASSIFIER = Pattern.compile("ClassifierBench");

    @Test
    void quickRunsBothClassifierBatchesOfAttn4jFromBothFilesAndOnnxRuntimeAndWarmsAttn4jLonger() {
        List<SuitePlan.Run> runs = SuitePlan.runs(true, CLASSIFIER, ALL);
        List<String> names = runs.stream().flatMap(r -> r.benchmarks().stream()).toList();
        assertTrue(names.stream().noneMatch(n -> n.endsWith("classifier_scalar")), names.toString());
        SuitePlan.Run attn4j = only(runs, "classifier_attn4j"), onnx = only(runs, "classifier_onnxruntime");
        assertEquals(4, attn4j.count(), "batch 1 and 256, from model.safetensors and from model.keras");
        assertTrue(attn4j.benchmarks().stream().anyMatch(n -> n.endsWith("classifier_attn4jkeras")),
                attn4j.benchmarks().toString());
        assertEquals(2, onnx.count(), "batch 1 and 256");
        assertTrue(attn4j.slowWarmups() > 0 && onnx.slowWarmups() == 0);
        assertEquals(List.of(), attn4j.properties());
    }

    @Test
    void theScalarClassifierKeepsItsForkPropertyInARunOfItsOwn() {
        List<SuitePlan.Run> runs = SuitePlan.runs(false, ALL, ALL);
        SuitePlan.Run scalar = only(runs, "classifier_scalar");
        assertEquals(List.of("-Dattn4j.simd=false"), scalar.properties());
        assertTrue(scalar.benchmarks().stream().allMatch(n -> n.endsWith("classifier_scalar")),
                scalar.benchmarks().toString());
        assertEquals(List.of(), only(runs, "classifier_attn4j").properties());
    }

    @Test
    void fullRunsW3AtT2048W4AndW5OnAllCoresForAttn4jAndItsPeersOnly() {
        List<SuitePlan.Selection> full = SuitePlan.full(2);
        List<SuitePlan.Selection> allCores = full.stream().filter(s -> "2".equals(s.params().get("threads"))).toList();
        assertEquals(3, allCores.size(), full.toString());
        assertEquals("2048", allCores.get(0).params().get("seq"));
        assertTrue(
                allCores.get(0).include().contains("AttentionBench") && allCores.get(1).include().contains("MhaBench")
                        && allCores.get(2).include().contains("DecodeBench"),
                allCores.toString());
        List<String> names = SuitePlan.runs(false, ALL, ALL).stream().flatMap(r -> r.benchmarks().stream()).toList();
        for (String name : List.of("AttentionBench.attn_attn4j", "AttentionBench.attn_openblas",
                "AttentionBench.attn_onnxruntime",
                "MhaBench.mha_attn4j", "MhaBench.mha_openblas", "MhaBench.mha_onnxruntime",
                "MhaBench.mha_onnxruntime_contrib",
                "DecodeBench.decode_attn4j", "DecodeBench.decode_openblas", "DecodeBench.decode_onnxruntime",
                "DecodeBench.decode_memoryread")) {
            assertTrue(allCores.stream().anyMatch(s -> ("io.attn4j.bench." + name).matches(s.include())), name);
        }
        assertTrue(allCores.stream().noneMatch(s -> "io.attn4j.bench.AttentionBench.attn_reference".matches(s.include())
                || "io.attn4j.bench.MhaBench.mha_reference".matches(s.include())
                || "io.attn4j.bench.DecodeBench.decode_reference".matches(s.include())));
        assertTrue(names.contains("io.attn4j.bench.MhaBench.mha_onnxruntime_contrib"), names.toString());
        assertEquals(full.size() - 3, SuitePlan.full(1).size(), "one core: no all-core runs");
    }

    @Test
    void quickRunsTheContribOperatorPeerAndNothingOnSeveralThreads() {
        List<SuitePlan.Run> runs = SuitePlan.runs(true, ALL, ALL);
        assertTrue(runs.stream().flatMap(r -> r.benchmarks().stream())
                .anyMatch(n -> n.endsWith("MhaBench.mha_onnxruntime_contrib")));
        assertTrue(runs.stream().noneMatch(r -> r.params().containsKey("threads")), runs.toString());
    }

    private static SuitePlan.Run only(List<SuitePlan.Run> runs, String method) {
        List<SuitePlan.Run> with = runs.stream()
                .filter(r -> r.benchmarks().stream().anyMatch(n -> n.endsWith("." + method))).toList();
        assertEquals(1, with.size(), method + " in " + runs);
        return with.get(0);
    }
}
