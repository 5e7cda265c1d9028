package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Faults under traffic: 16 threads call one Predictor (blocking, async and batch calls) while the
 * test swaps the model back and forth, an exception is thrown inside every batch that holds one
 * of a few marked sequences, and finally the predictor is closed. Every call either gives a
 * result that is wholly one model's (its solo bits under the old or the new model), or fails with
 * a documented exception for a documented reason: {@link PredictionFailedException} only in a
 * batch with a marked sequence, {@link PredictorClosedException} only once close has begun. No
 * call hangs (bounded waits), and every model is closed at the end.
 */
class PredictorFaultsTest {
    private static final int THREADS = 16;
    private static final int SWAPS = Integer.getInteger("attn4j.faultSwaps", 20);

    @Test
    void swapsFailedBatchesAndCloseUnderSixteenThreads() throws Exception {
        SplittableRandom rnd = new SplittableRandom(31);
        float[][][] pool = Serving.sequences(rnd, 64, 1, 80, 32);
        float[][] expectedA, expectedB;
        try (SequenceModel a = Serving.classifier(); SequenceModel b = Serving.shiftedClassifier(0.5f)) {
            expectedA = Serving.solo(a, pool, 80);
            expectedB = Serving.solo(b, pool, 80);
        }
        Set<Object> marked = Set.of(pool[0], pool[1], pool[2]);
        // every input that shared a failing part with a marked one
        Set<Object> failedWithMarked = ConcurrentHashMap.newKeySet();
        List<SequenceModel> models = new ArrayList<>();
        models.add(Serving.classifier());
        Predictor p = Predictor.builder(models.get(0)).maxSequenceLength(80).maxBatch(8).queueCapacity(512)
                .maxWait(Duration.ofMillis(1)).build();
        p.batchHook((batch, from, rows) -> {
            boolean fault = false;
            for (int i = from; i < from + rows; i++) {
                fault |= marked.contains(batch[i].input);
            }
            if (fault) {
                for (int i = from; i < from + rows; i++) {
                    failedWithMarked.add(batch[i].input);
                }
                throw new IllegalStateException("injected fault");
            }
        });
        AtomicBoolean closing = new AtomicBoolean();
        AtomicLong ok = new AtomicLong(), failed = new AtomicLong(), closed = new AtomicLong(),
                rejected = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long seed = rnd.nextLong();
            done.add(threads.submit(new java.util.concurrent.Callable<Void>() {
                @Override
                public Void call() throws Exception {
                    SplittableRandom r = new SplittableRandom(seed);
                    while (true) {
                        int pick = r.nextInt(pool.length), kind = r.nextInt(3);
                        boolean wasClosing = closing.get();
                        try {
                            float[] got = switch (kind) {
                                case 0 -> p.predict(pool[pick]);
                                case 1 -> p.submit(pool[pick]).get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
                                default -> p.predict(new float[][][]{pool[pick]})[0];
                            };
                            if (!Serving.sameBits(expectedA[pick], got) && !Serving.sameBits(expectedB[pick], got)) {
                                fail("sequence " + pick + " gave " + got[0] + ", neither model's " + expectedA[pick][0]
                                        + " nor " + expectedB[pick][0]);
                            }
                            ok.incrementAndGet();
                        } catch (ExecutionException | CompletionException e) {
                            if (!expected(e.getCause(), pick)) {
                                throw e;
                            }
                        } catch (RuntimeException e) {
                            if (!expected(e, pick)) {
                                throw e;
                            }
                            if (e instanceof PredictorClosedException) {
                                assertTrue(closing.get(), "closed before close began");
                                return null;
                            }
                        }
                        if (wasClosing) {
                            return null;
                        }
                    }
                }

                private boolean expected(Throwable e, int pick) {
                    if (e instanceof PredictionFailedException f
                            && "injected fault".equals(f.getCause().getMessage())) {
                        assertTrue(failedWithMarked.contains(pool[pick]), "a batch without a marked sequence failed");
                        failed.incrementAndGet();
                        return true;
                    }
                    if (e instanceof PredictorClosedException) {
                        assertTrue(closing.get(), "closed before close began: " + e);
                        closed.incrementAndGet();
                        return true;
                    }
                    if (e instanceof PredictionRejectedException) {
                        rejected.incrementAndGet();
                        return true;
                    }
                    return false;
                }
            }));
        }
        for (int s = 0; s < SWAPS; s++) {
            long before = ok.get();
            while (ok.get() < before + 200) {
                Thread.sleep(1);
                for (Future<?> d : done) {
                    if (d.isDone()) {
                        d.get(); // a thread that stopped early failed: report it
                    }
                }
            }
            SequenceModel next = s % 2 == 0 ? Serving.shiftedClassifier(0.5f) : Serving.classifier();
            models.add(next);
            p.swap(next);
        }
        closing.set(true);
        java.util.concurrent.CompletableFuture.runAsync(p::close).get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
        for (Future<?> d : done) {
            d.get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
        }
        threads.shutdown();
        assertTrue(threads.awaitTermination(Serving.HANG_SECONDS, TimeUnit.SECONDS));
        for (SequenceModel m : models) {
            assertFalse(m.isOpen(), "every model the predictor owned is closed");
        }
        PredictorMetrics m = p.metrics();
        System.out.printf("faults: %d threads, %d swaps; %d results, %d failed batches' requests, %d closed, %d"
                + " rejected; %s%n", THREADS, SWAPS, ok.get(), failed.get(), closed.get(), rejected.get(), m);
        assertTrue(failed.get() > 0, "the injected faults were seen");
        assertEquals(SWAPS, m.swaps());
        assertEquals(m.accepted(), m.completed() + m.failed() + m.closedUnserved() + m.timedOut() + m.cancelled(),
                "every accepted request was accounted for");
    }
}
