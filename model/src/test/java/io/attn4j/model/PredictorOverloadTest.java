package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Overload: 32 threads offer requests with a 20 ms deadline as fast as they can to one session
 * with a queue of 16, far above what it serves (the first batch is held until the queue has
 * overflowed, so the overload is certain however fast the machine). Rejections are counted and
 * thrown at once; the queue never holds more than its capacity; no request is computed after its
 * deadline (checked inside each batch); every accepted request completes with its solo bits or
 * fails with {@link PredictionTimeoutException}; the sessions' memory does not grow.
 */
class PredictorOverloadTest {
    private static final int THREADS = 32;
    private static final int OFFERS = 150;
    private static final int CAPACITY = 16;

    @Test
    void rejectsAtOnceKeepsMemoryBoundedAndMeetsDeadlines() throws Exception {
        SplittableRandom rnd = new SplittableRandom(41);
        float[][][] pool = Serving.sequences(rnd, 32, 50, 100, 32);
        float[][] expected;
        try (SequenceModel reference = Serving.classifier()) {
            expected = Serving.solo(reference, pool, 100);
        }
        AtomicInteger computedLate = new AtomicInteger(), maxQueued = new AtomicInteger();
        try (Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(100).sessions(1).maxBatch(8)
                .queueCapacity(CAPACITY).timeout(Duration.ofMillis(20)).build()) {
            p.warmUp();
            long held = p.heldBytes();
            AtomicInteger batches = new AtomicInteger();
            p.batchHook((batch, from, rows) -> {
                long now = System.nanoTime();
                for (int i = from; i < from + rows; i++) {
                    if (batch[i].expired(batch[i].started)) {
                        computedLate.incrementAndGet();
                    }
                }
                if (batches.getAndIncrement() == 0) {
                    long until = now + TimeUnit.SECONDS.toNanos(Serving.HANG_SECONDS);
                    while (p.metrics().rejected() == 0) {
                        assertTrue(System.nanoTime() < until, "the queue never overflowed");
                        Thread.onSpinWait();
                    }
                }
            });
            AtomicLong ok = new AtomicLong(), timedOut = new AtomicLong(), rejected = new AtomicLong();
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = rnd.nextLong();
                done.add(threads.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    List<CompletableFuture<float[]>> mine = new ArrayList<>();
                    List<Integer> picks = new ArrayList<>();
                    for (int i = 0; i < OFFERS; i++) {
                        int pick = r.nextInt(pool.length);
                        try {
                            mine.add(p.submit(pool[pick]));
                            picks.add(pick);
                        } catch (PredictionRejectedException e) {
                            rejected.incrementAndGet();
                        }
                        maxQueued.accumulateAndGet(p.metrics().queued(), Math::max);
                    }
                    for (int i = 0; i < mine.size(); i++) {
                        try {
                            float[] got = mine.get(i).get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
                            if (!Serving.sameBits(expected[picks.get(i)], got)) {
                                fail("request " + picks.get(i) + " gave other bits");
                            }
                            ok.incrementAndGet();
                        } catch (ExecutionException e) {
                            if (!(e.getCause() instanceof PredictionTimeoutException)) {
                                throw e;
                            }
                            timedOut.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> d : done) {
                d.get(10 * Serving.HANG_SECONDS, TimeUnit.SECONDS);
            }
            threads.shutdown();
            // a batch whose callers all timed out may still be computing: its runner is back in
            // the pool (and counted by heldBytes) only when it ends
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(Serving.HANG_SECONDS);
            while (p.metrics().running() > 0 && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            PredictorMetrics m = p.metrics();
            System.out.printf("overload: %d threads offered %d requests: %d served, %d timed out, %d rejected;"
                    + " largest queue %d of %d; session memory %d -> %d bytes; %s%n", THREADS, THREADS * OFFERS,
                    ok.get(), timedOut.get(), rejected.get(), maxQueued.get(), CAPACITY, held, p.heldBytes(), m);
            assertTrue(rejected.get() > 0, "the offered load was rejected in part");
            assertEquals(THREADS * OFFERS, ok.get() + timedOut.get() + rejected.get());
            assertEquals(rejected.get(), m.rejected());
            assertEquals(timedOut.get(), m.timedOut());
            assertEquals(0, computedLate.get(), "a request was computed after its deadline");
            assertTrue(maxQueued.get() <= CAPACITY);
            assertEquals(held, p.heldBytes(), "the sessions' memory grew");
        }
    }
}
