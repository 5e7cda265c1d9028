package io.attn4j.engine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomTrialsTest {

    @Test
    void aFailingTrialIsReportedWithTheSeedThatReplaysIt() {
        List<Integer> drawn = new ArrayList<>();
        AssertionError e = assertThrows(AssertionError.class, () -> RandomTrials.run(50, r -> {
            int v = r.nextInt(1000);
            drawn.add(v);
            assertTrue(drawn.size() < 7, "boom");
        }));
        assertTrue(e.getMessage().startsWith("trial 6 failed"), e.getMessage());
        assertTrue(e.getMessage().contains("boom"), e.getMessage());
        long seed = Long.parseLong(e.getMessage().replaceAll(".*-Dattn4j.trialSeed=(-?\\d+).*", "$1"));
        assertEquals(drawn.get(6), new SplittableRandom(seed).nextInt(1000));
    }

    @Test
    void everyTrialRunsWhenNoneFails() {
        int[] runs = {0};
        RandomTrials.run(25, r -> runs[0]++);
        assertEquals(25, runs[0]);
    }
}
