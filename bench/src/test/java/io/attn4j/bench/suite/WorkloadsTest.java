package io.attn4j.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.bench.suite.Workloads.Workload;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

/** The work table covers every benchmark the suite runs, and counts the classifier's work as documented. */
class WorkloadsTest {
    private static final Pattern ALL = Pattern.compile("");

    @Test
    void everySuiteBenchmarkHasAWorkloadAtEveryParameterCombination() {
        Set<String> suite = SuitePlan.runs(false, ALL, ALL).stream().flatMap(r -> r.benchmarks().stream())
                .collect(Collectors.toSet());
        List<BenchmarkListEntry> entries = BenchmarkList.defaultList()
                .getAll(OutputFormatFactory.createFormatInstance(new PrintStream(OutputStream.nullOutputStream()),
                        VerboseMode.SILENT),
                        List.of())
                .stream().filter(e -> suite.contains(e.getUsername())).toList();
        assertTrue(entries.stream().anyMatch(e -> e.getUsername().endsWith("ClassifierBench.classifier_attn4j")),
                "the suite runs the classifier: " + suite);
        for (BenchmarkListEntry e : entries) {
            String method = e.getUsername().substring(e.getUsername().lastIndexOf('.') + 1);
            String op = method.substring(0, method.indexOf('_')), impl = method.substring(method.indexOf('_') + 1);
            for (Map<String, String> params : combinations(e)) {
                Optional<Workload> w = Workloads.of(op, impl, params, 8);
                assertTrue(w.isPresent(), e.getUsername() + " " + params + " has no Workloads row");
                assertTrue(w.get().flops() > 0 || w.get().bytes() > 0,
                        e.getUsername() + " " + params + " counts no work");
            }
        }
    }

    @Test
    void classifierCountsItsValidStepsAndWeights() {
        // batch 1, L = 100, H = 64, in = 32: LSTM 8*64*96*100 + attention 4*64*100^2 + mean 64*100 + head 2*64
        Workload one = Workloads.of("classifier", "attn4j", Map.of("batch", "1"), 8).orElseThrow();
        assertEquals(4_915_200 + 2_560_000 + 6_400 + 128, one.flops());
        // floats: weights 256*32 + 256*64 + 2*256 + 64 + 1 = 25153, input 100*32 = 3200, 1 output; 4-byte length
        assertEquals(4 * (25_153 + 3_200 + 1) + 4, one.bytes());
        assertEquals(1, one.sequences());
        assertEquals("W7", one.id());

        // batch 256: lengths 50 + 37b mod 51 take every value of 50..100 about 5 times; the work of each sequence adds up
        Workload many = Workloads.of("classifier", "attn4j", Map.of("batch", "256"), 8).orElseThrow();
        double flops = 0;
        long steps = 0;
        for (int b = 0; b < 256; b++) {
            int len = 50 + 37 * b % 51;
            flops += 49_152.0 * len + 256.0 * len * len + 64.0 * len + 128;
            steps += len;
        }
        assertEquals(flops, many.flops(), 1e-9 * flops);
        assertEquals(4 * (25_153 + 32 * steps + 256) + 4 * 256, many.bytes());
        assertEquals(256, many.sequences());
        assertTrue(many.label().contains("lengths 50..100"), many.label());
    }

    /** Every combination of {@code e}'s parameter values, as JMH makes them. */
    private static List<Map<String, String>> combinations(BenchmarkListEntry e) {
        List<Map<String, String>> all = new ArrayList<>(List.of(new LinkedHashMap<>()));
        if (e.getParams().hasValue()) {
            for (Map.Entry<String, String[]> p : e.getParams().get().entrySet()) {
                List<Map<String, String>> next = new ArrayList<>();
                for (Map<String, String> partial : all) {
                    for (String value : p.getValue()) {
                        Map<String, String> m = new LinkedHashMap<>(partial);
                        m.put(p.getKey(), value);
                        next.add(m);
                    }
                }
                all = next;
            }
        }
        return all;
    }
}
