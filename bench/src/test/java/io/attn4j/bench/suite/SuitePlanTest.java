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
    void quickRunsBothClassifierBatchesOfAttn4jAndOnnxRuntimeAndWarmsAttn4jLonger() {
        List<SuitePlan.Run> runs = SuitePlan.runs(true, CLASSIFIER, ALL);
        List<String> names = runs.stream().flatMap(r -> r.benchmarks().stream()).toList();
        assertTrue(names.stream().noneMatch(n -> n.endsWith("classifier_scalar")), names.toString());
        SuitePlan.Run attn4j = only(runs, "classifier_attn4j"), onnx = only(runs, "classifier_onnxruntime");
        assertEquals(2, attn4j.count(), "batch 1 and 256");
        assertEquals(2, onnx.count(), "batch 1 and 256");
        assertTrue(attn4j.slowWarmups() > 0 && onnx.slowWarmups() == 0);
        assertEquals(List.of(), attn4j.properties());
    }

    @Test
    void theScalarClassifierKeepsItsForkPropertyInARunOfItsOwn() {
        List<SuitePlan.Run> runs = SuitePlan.runs(false, ALL, ALL);
        SuitePlan.Run scalar = only(runs, "classifier_scalar");
        assertEquals(List.of("-Dattn4j.simd=false"), scalar.properties());
        assertTrue(scalar.benchmarks().stream().allMatch(n -> n.endsWith("classifier_scalar")), scalar.benchmarks().toString());
        assertEquals(List.of(), only(runs, "classifier_attn4j").properties());
    }

    private static SuitePlan.Run only(List<SuitePlan.Run> runs, String method) {
        List<SuitePlan.Run> with = runs.stream().filter(r -> r.benchmarks().stream().anyMatch(n -> n.endsWith("." + method))).toList();
        assertEquals(1, with.size(), method + " in " + runs);
        return with.get(0);
    }
}
