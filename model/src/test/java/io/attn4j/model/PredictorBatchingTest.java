package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Through the batcher, a request's result is its solo result bit for bit, whatever its
 * batch-mates: every model kind, batches of mixed lengths forced deterministically (the first
 * batch is held until every other request is queued, so the next ones are full), and batches
 * split over an executor; and a burst shared evenly over the sessions.
 */
class PredictorBatchingTest {

    @ParameterizedTest
    @MethodSource("io.attn4j.model.SequenceModelPropertiesTest#variants")
    void everyModelKindGivesSoloBitsInMixedBatches(String json, int hiddenMultiple) {
        RandomTrials.run(2, rnd -> {
            try (Arena arena = Arena.ofShared()) {
                // hidden sizes of 8 and 16 (multiples of the vector lanes: where kernels take their vector paths)
                Fixture f = new Fixture(json, 8 * hiddenMultiple, rnd, arena);
                int maxSeq = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 60);
                float[][][] seqs = Serving.sequences(rnd, 20, 1, maxSeq, f.config.inputSize());
                float[][] expected;
                try (SequenceModel reference = f.build()) {
                    expected = Serving.solo(reference, seqs, maxSeq);
                }
                int maxBatch = 2 + rnd.nextInt(10);
                try (Predictor p = Predictor.builder(f.build()).maxSequenceLength(maxSeq).maxBatch(maxBatch)
                        .sessions(1).maxWait(java.time.Duration.ZERO).build()) {
                    check(p, seqs, expected, f.config.describe() + ", maxBatch " + maxBatch);
                }
            }
        });
    }

    @Test
    void batchesSplitOverAnExecutorGiveTheSameBits() {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (SequenceModel reference = Serving.classifier()) {
            RandomTrials.run(3, rnd -> {
                float[][][] seqs = Serving.sequences(rnd, 70, 1, 100, 32);
                float[][] expected = Serving.solo(reference, seqs, 100);
                try (Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(100).maxBatch(64)
                        .sessions(1).executor(pool).build()) {
                    check(p, seqs, expected, "the classifier split over 3 threads");
                }
            });
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBurstIsSharedEvenlyOverTheSessions() {
        float[][][] seqs = Serving.sequences(new java.util.SplittableRandom(7), 64, 1, 100, 32);
        try (SequenceModel reference = Serving.classifier();
                Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(100).maxBatch(64).sessions(2)
                        .build()) {
            float[][] expected = Serving.solo(reference, seqs, 100);
            // whichever batch holds the first request waits until the other session's batch is done,
            // so neither can take requests twice and the shares are exact
            Serving.Gate gate = new Serving.Gate(seqs[0]);
            p.batchHook(gate);
            CompletableFuture<float[][]> all = p.submit(seqs);
            gate.awaitHeld();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(Serving.HANG_SECONDS);
            while (p.metrics().batches() < 1) {
                assertTrue(System.nanoTime() < until, "the second session never ran its share: " + p.metrics());
                Thread.onSpinWait();
            }
            gate.release();
            float[][] got = all.orTimeout(Serving.HANG_SECONDS, TimeUnit.SECONDS).join();
            for (int i = 0; i < seqs.length; i++) {
                assertTrue(Serving.sameBits(expected[i], got[i]), "request " + i);
            }
            PredictorMetrics m = p.metrics();
            assertEquals(2, m.batches(), m.toString());
            assertEquals(2, m.batchSizes()[32], "64 requests over 2 sessions: two batches of 32, " + m);
        }
    }

    /** Holds the first batch until every request is submitted (the rest queued), then requires every result's bits. */
    private static void check(Predictor p, float[][][] seqs, float[][] expected, String what) {
        AtomicBoolean first = new AtomicBoolean(true);
        p.batchHook((batch, from, rows) -> {
            if (first.getAndSet(false)) {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(Serving.HANG_SECONDS);
                while (p.metrics().accepted() < seqs.length) {
                    assertTrue(System.nanoTime() < until, "the requests were not queued");
                    Thread.onSpinWait();
                }
            }
        });
        @SuppressWarnings({"unchecked", "rawtypes"})
        CompletableFuture<float[]>[] futures = new CompletableFuture[seqs.length];
        for (int i = 0; i < seqs.length; i++) {
            futures[i] = p.submit(seqs[i]);
        }
        for (int i = 0; i < seqs.length; i++) {
            float[] got = futures[i].orTimeout(Serving.HANG_SECONDS, TimeUnit.SECONDS).join();
            int index = i;
            assertTrue(Serving.sameBits(expected[i], got), () -> what + ": request " + index + " of "
                    + seqs[index].length + " steps gave " + java.util.Arrays.toString(got) + ", alone "
                    + java.util.Arrays.toString(expected[index]));
        }
        PredictorMetrics m = p.metrics();
        assertTrue(m.batches() < seqs.length, what + ": no batch formed (" + m + ")");
        p.batchHook(null);
        for (int i = 0; i < seqs.length; i++) {
            float[] alone = p.predict(seqs[i]);
            int index = i;
            assertTrue(Serving.sameBits(expected[i], alone), () -> what + ": request " + index + " of "
                    + seqs[index].length + " steps served alone gave " + java.util.Arrays.toString(alone)
                    + ", expected " + java.util.Arrays.toString(expected[index]));
        }
    }
}
