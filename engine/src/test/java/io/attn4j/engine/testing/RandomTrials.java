package io.attn4j.engine.testing;

import java.util.SplittableRandom;

/**
 * Runs one check over many generated cases, reproducibly: trial {@code i} draws everything from a
 * {@link SplittableRandom} seeded with {@code seed + i}, so a failure names the one seed that
 * replays it. The base seed is fixed (a test run is deterministic) unless
 * {@code -Dattn4j.trialSeed=<long>} sets it; {@code -Dattn4j.trials=<n>} overrides the count.
 */
public final class RandomTrials {
    private static final long DEFAULT_SEED = 0x6174746e346aL; // "attn4j"

    /** One generated case. */
    @FunctionalInterface
    public interface Trial {
        void run(SplittableRandom random) throws Exception;
    }

    private RandomTrials() {
    }

    /**
     * Runs {@code trial} {@code trials} times.
     *
     * @throws AssertionError for the first failing trial, naming its seed, with the failure as cause
     */
    public static void run(int trials, Trial trial) {
        long base = Long.getLong("attn4j.trialSeed", DEFAULT_SEED);
        int count = Integer.getInteger("attn4j.trials", trials);
        for (int i = 0; i < count; i++) {
            long seed = base + i;
            try {
                trial.run(new SplittableRandom(seed));
            } catch (Exception | AssertionError e) {
                throw new AssertionError("trial " + i + " failed; replay it alone with -Dattn4j.trialSeed=" + seed
                        + " -Dattn4j.trials=1: " + e.getMessage(), e);
            }
        }
    }
}
