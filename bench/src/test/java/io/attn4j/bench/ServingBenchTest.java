package io.attn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * W9's harness runs end to end on a short schedule (1 and 2 clients, 0.2 s per cell): the three
 * implementations agree (checked inside), every cell has calls and ordered percentiles. It checks
 * that the harness works, not how fast.
 */
class ServingBenchTest {
    @Test
    void everyCellRunsAndRecords() throws Exception {
        List<Map<String, Object>> rows = ServingBench.run(List.of(1, 2), 100_000_000L, 200_000_000L);
        assertEquals(6, rows.size());
        for (Map<String, Object> row : rows) {
            String what = row.toString();
            assertTrue(ServingBench.IMPLEMENTATIONS.contains(row.get("implementation")), what);
            assertTrue(((Number) row.get("calls")).longValue() > 0, what);
            double p50 = ((Number) row.get("p50_us")).doubleValue(), p99 = ((Number) row.get("p99_us")).doubleValue();
            double max = ((Number) row.get("max_us")).doubleValue();
            assertTrue(0 < p50 && p50 <= p99 && p99 <= max, what);
        }
    }

    @Test
    void inputsSpanTheW7Lengths() {
        float[][][] inputs = ServingBench.inputs();
        int min = Integer.MAX_VALUE, max = 0;
        for (float[][] s : inputs) {
            min = Math.min(min, s.length);
            max = Math.max(max, s.length);
            assertEquals(ServingBench.FEATURES, s[0].length);
        }
        assertEquals(50, min);
        assertEquals(100, max);
    }
}
