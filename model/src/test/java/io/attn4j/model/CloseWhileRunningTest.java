package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Closing a {@link SequenceModel} while other threads are inside {@link Session#predict}: every
 * call returns its correct result or throws {@link IllegalStateException} "the sequence model is
 * closed"; none meets freed memory (which would be an "already closed" error from the arena or a
 * crash). Bounded: the threads stop on their own; the timeouts only turn a hang into a failure.
 */
class CloseWhileRunningTest {
    @Test
    void callsFinishOrFailCleanly() throws Exception {
        int threads = 8;
        SplittableRandom rnd = new SplittableRandom(5);
        try (Arena arena = Arena.ofShared()) {
            Fixture f = new Fixture(SequenceModelPropertiesTest.config("\"cell\": \"lstm\"",
                    "{\"kind\": \"self\", \"score\": \"scaled_dot\"}", "mean",
                    "\"head\": [{\"weight\": \"fc.weight\", \"bias\": \"fc.bias\", \"activation\": \"sigmoid\"}]"),
                    1, rnd, arena);
            int batch = 3, seq = 40;
            int[] lengths = Fixture.lengths(rnd, batch, seq);
            Tensor x = f.input(rnd, batch, seq, lengths, 0f);
            for (int round = 0; round < 5; round++) {
                SequenceModel model = f.build();
                float[] expected;
                try (Session s = model.newSession(batch, seq)) {
                    expected = s.predict(x, lengths).toFloatArray();
                }
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                CountDownLatch running = new CountDownLatch(threads);
                AtomicInteger completed = new AtomicInteger(), refused = new AtomicInteger();
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    done.add(pool.submit(() -> {
                        try (Session s = model.newSession(batch, seq)) {
                            running.countDown();
                            while (true) {
                                float[] got;
                                try {
                                    got = s.predict(x, lengths).toFloatArray();
                                } catch (IllegalStateException e) {
                                    assertTrue(e.getMessage().contains("the sequence model is closed"),
                                            "unexpected: " + e);
                                    refused.incrementAndGet();
                                    return null;
                                }
                                assertArrayEquals(expected, got);
                                completed.incrementAndGet();
                            }
                        }
                    }));
                }
                assertTrue(running.await(60, TimeUnit.SECONDS));
                while (completed.get() < threads) {
                    Thread.onSpinWait();
                }
                model.close();
                assertFalse(model.isOpen());
                for (Future<?> d : done) {
                    d.get(60, TimeUnit.SECONDS);
                }
                pool.shutdown();
                assertEquals(threads, refused.get(), "every thread ends on the closed model");
                model.close(); // idempotent
            }
        }
    }
}
