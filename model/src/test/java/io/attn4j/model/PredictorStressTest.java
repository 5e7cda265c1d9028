package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Stress: 16 threads (more than the cores) on one Predictor, each mixing blocking and async calls
 * of one sequence and batch calls of up to 6, over sequences of 1 to 100 steps; every result is
 * the sequence's solo result, bit for bit. {@code -Dattn4j.stressRounds=N} runs longer (README,
 * "Serving": the long form).
 */
class PredictorStressTest {
    static final int THREADS = 16;
    private static final int ROUNDS = Integer.getInteger("attn4j.stressRounds", 150);

    @Test
    void sixteenThreadsGetTheirSoloBits() throws Exception {
        SplittableRandom rnd = new SplittableRandom(21);
        float[][][] pool = Serving.sequences(rnd, 96, 1, 100, 32);
        float[][] expected;
        try (SequenceModel reference = Serving.classifier()) {
            expected = Serving.solo(reference, pool, 100);
        }
        AtomicLong requests = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try (Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(100).maxBatch(16)
                .maxWait(Duration.ofMillis(1)).queueCapacity(256).build()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = rnd.nextLong();
                done.add(threads.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int round = 0; round < ROUNDS; round++) {
                        int kind = r.nextInt(3);
                        if (kind == 2) {
                            int n = 1 + r.nextInt(6);
                            int[] picks = new int[n];
                            float[][][] batch = new float[n][][];
                            for (int i = 0; i < n; i++) {
                                picks[i] = r.nextInt(pool.length);
                                batch[i] = pool[picks[i]];
                            }
                            float[][] got = r.nextBoolean()
                                    ? p.predict(batch)
                                    : p.submit(batch).get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
                            for (int i = 0; i < n; i++) {
                                check(expected[picks[i]], got[i], picks[i]);
                            }
                            requests.addAndGet(n);
                        } else {
                            int pick = r.nextInt(pool.length);
                            float[] got = kind == 0
                                    ? p.predict(pool[pick])
                                    : p.submit(pool[pick]).get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
                            check(expected[pick], got, pick);
                            requests.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> d : done) {
                d.get(10 * Serving.HANG_SECONDS, TimeUnit.SECONDS);
            }
            PredictorMetrics m = p.metrics();
            System.out.printf("stress: %d threads, %d requests; %s%n", THREADS, requests.get(), m);
            assertEquals(requests.get(), m.completed());
            assertEquals(0, m.rejected() + m.failed() + m.timedOut());
        } finally {
            threads.shutdownNow();
        }
    }

    private static void check(float[] expected, float[] got, int pick) {
        assertTrue(Serving.sameBits(expected, got), () -> "sequence " + pick + ": " + java.util.Arrays.toString(got)
                + ", alone " + java.util.Arrays.toString(expected));
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
    }
}
