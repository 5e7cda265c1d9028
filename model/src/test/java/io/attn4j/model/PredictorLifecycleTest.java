package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Close, swap, deadlines, cancellation, rejection and failed batches, each made deterministic by
 * holding a batch at a gate ({@link Serving.Gate}) while the test arranges the queue. No timing
 * thresholds: the waits only turn a hang into a failure.
 */
class PredictorLifecycleTest {
    private static final int FEATURES = 32;
    private final SplittableRandom rnd = new SplittableRandom(11);

    private Predictor oneSession(SequenceModel model, int capacity) {
        return Predictor.builder(model).maxSequenceLength(60).sessions(1).maxBatch(4).queueCapacity(capacity)
                .maxWait(Duration.ZERO).build();
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(f));
        return e.getCause();
    }

    @Test
    void closeFailsTheQueuedFinishesTheRunningThenFreesTheModel() throws Exception {
        float[][] a = Serving.sequence(rnd, 20, FEATURES), b = Serving.sequence(rnd, 30, FEATURES);
        float[][] c = Serving.sequence(rnd, 40, FEATURES);
        SequenceModel model = Serving.classifier();
        float[] expectedA;
        try (SequenceModel reference = Serving.classifier()) {
            expectedA = Serving.solo(reference, a, 60);
        }
        Predictor p = oneSession(model, 8);
        Serving.Gate gate = new Serving.Gate(a);
        p.batchHook(gate);
        CompletableFuture<float[]> fa = p.submit(a);
        gate.awaitHeld();
        CompletableFuture<float[]> fb = p.submit(b), fc = p.submit(c);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(p::close);
        assertInstanceOf(PredictorClosedException.class, failure(fb));
        assertInstanceOf(PredictorClosedException.class, failure(fc));
        assertFalse(closing.isDone(), "close waits for the running batch");
        assertTrue(model.isOpen(), "the model outlives the running batch");
        assertThrows(PredictorClosedException.class, () -> p.submit(b));
        gate.release();
        assertArrayEquals(expectedA, get(fa), "the running batch finishes");
        get(closing);
        assertFalse(model.isOpen(), "freed once the last batch ended");
        PredictorMetrics m = p.metrics();
        assertEquals(2, m.closedUnserved());
        assertEquals(1, m.completed());
        assertFalse(gate.computed.contains(b) || gate.computed.contains(c), "queued requests are not computed");
    }

    @Test
    void swapServesTheNewModelAndClosesTheOldAfterItsLastBatch() throws Exception {
        float[][] a = Serving.sequence(rnd, 25, FEATURES), b = Serving.sequence(rnd, 35, FEATURES);
        float[] oldA, newB;
        try (SequenceModel reference = Serving.classifier(); SequenceModel shifted = Serving.shiftedClassifier(1f)) {
            oldA = Serving.solo(reference, a, 60);
            newB = Serving.solo(shifted, b, 60);
            assertFalse(Serving.sameBits(Serving.solo(reference, b, 60), newB), "the two models differ");
        }
        SequenceModel old = Serving.classifier(), next = Serving.shiftedClassifier(1f);
        try (Predictor p = Predictor.builder(old).maxSequenceLength(60).sessions(2).maxWait(Duration.ZERO).build()) {
            Serving.Gate gate = new Serving.Gate(a);
            p.batchHook(gate);
            CompletableFuture<float[]> fa = p.submit(a);
            gate.awaitHeld();
            p.swap(next);
            assertTrue(old.isOpen(), "the old model serves its running batch");
            assertArrayEquals(newB, p.predict(b), "new requests get the new model");
            gate.release();
            assertArrayEquals(oldA, get(fa), "the running batch's result is wholly the old model's");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(Serving.HANG_SECONDS);
            while (old.isOpen()) {
                assertTrue(System.nanoTime() < until, "the old model was never closed");
                Thread.onSpinWait();
            }
            assertEquals(1, p.metrics().swaps());
            assertThrows(IllegalArgumentException.class, () -> p.swap(null));
        }
        assertFalse(next.isOpen());
    }

    @Test
    void aSwapToAModelOfOtherShapesIsRefused() {
        try (Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(10).build();
                java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            Fixture f = new Fixture(SequenceModelPropertiesTest.config("\"cell\": \"gru\"", "null", "last",
                    "\"head\": [{\"weight\": \"fc.weight\", \"bias\": \"fc.bias\", \"activation\": \"sigmoid\"}]"), 1,
                    new SplittableRandom(1), arena);
            try (SequenceModel other = f.build()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.swap(other));
                assertTrue(e.getMessage().contains("the new model takes"), e.getMessage());
                assertTrue(other.isOpen(), "a refused model stays the caller's");
            }
        }
    }

    @Test
    void aDeadlinePassedInTheQueueFailsTheRequestUncomputed() throws Exception {
        float[][] a = Serving.sequence(rnd, 20, FEATURES), b = Serving.sequence(rnd, 30, FEATURES);
        float[][] c = Serving.sequence(rnd, 30, FEATURES);
        try (Predictor p = oneSession(Serving.classifier(), 8)) {
            Serving.Gate gate = new Serving.Gate(a);
            p.batchHook(gate);
            CompletableFuture<float[]> fa = p.submit(a);
            gate.awaitHeld();
            CompletableFuture<float[]> fb = p.submit(b, Duration.ofMillis(20));
            PredictionTimeoutException blocking = assertThrows(PredictionTimeoutException.class,
                    () -> p.predict(c, Duration.ofMillis(20)));
            assertTrue(blocking.getMessage().contains("not computed"), blocking.getMessage());
            gate.release();
            get(fa);
            assertInstanceOf(PredictionTimeoutException.class, failure(fb));
            assertFalse(gate.computed.contains(b) || gate.computed.contains(c));
            assertEquals(2, p.metrics().timedOut());
            assertEquals(0, p.metrics().queued());
        }
    }

    @Test
    void aCancelledRequestFreesItsSlotAndIsNotComputed() throws Exception {
        float[][] a = Serving.sequence(rnd, 20, FEATURES), b = Serving.sequence(rnd, 30, FEATURES);
        float[][] c = Serving.sequence(rnd, 30, FEATURES);
        try (Predictor p = oneSession(Serving.classifier(), 1)) {
            Serving.Gate gate = new Serving.Gate(a);
            p.batchHook(gate);
            CompletableFuture<float[]> fa = p.submit(a);
            gate.awaitHeld();
            CompletableFuture<float[]> fb = p.submit(b);
            assertThrows(PredictionRejectedException.class, () -> p.submit(c), "the queue of one is full");
            assertTrue(fb.cancel(true));
            assertEquals(0, p.metrics().queued(), "cancelling freed the slot");
            CompletableFuture<float[]> fc = p.submit(c);
            gate.release();
            get(fa);
            get(fc);
            assertTrue(fb.isCancelled());
            assertFalse(gate.computed.contains(b));
            PredictorMetrics m = p.metrics();
            assertEquals(1, m.cancelled());
            assertEquals(1, m.rejected());
        }
    }

    @Test
    void aFullQueueRejectsAtOnceAndABatchNeedsRoomForAll() throws Exception {
        float[][] a = Serving.sequence(rnd, 20, FEATURES), b = Serving.sequence(rnd, 30, FEATURES);
        try (Predictor p = oneSession(Serving.classifier(), 2)) {
            Serving.Gate gate = new Serving.Gate(a);
            p.batchHook(gate);
            CompletableFuture<float[]> fa = p.submit(a);
            gate.awaitHeld();
            CompletableFuture<float[]> fb = p.submit(b);
            PredictionRejectedException e = assertThrows(PredictionRejectedException.class,
                    () -> p.submit(new float[][][]{b, b}));
            assertTrue(e.getMessage().contains("1 free slots of 2"), e.getMessage());
            assertEquals(1, p.metrics().queued(), "a rejected batch queues nothing");
            assertThrows(IllegalArgumentException.class, () -> p.submit(new float[][][]{b, b, b}),
                    "more than the queue holds");
            p.submit(b);
            assertThrows(PredictionRejectedException.class, () -> p.predict(b), "blocking calls are rejected too");
            gate.release();
            get(fa);
            get(fb);
            assertEquals(3, p.metrics().rejected());
        }
    }

    @Test
    void aFailedBatchFailsItsRequestsAloneAndThePoolServesOn() throws Exception {
        float[][] bad = Serving.sequence(rnd, 20, FEATURES), good = Serving.sequence(rnd, 30, FEATURES);
        float[] expected;
        try (SequenceModel reference = Serving.classifier()) {
            expected = Serving.solo(reference, good, 60);
        }
        try (Predictor p = oneSession(Serving.classifier(), 8)) {
            p.batchHook((batch, from, rows) -> {
                for (int i = from; i < from + rows; i++) {
                    if (batch[i].input == bad) {
                        throw new IllegalStateException("injected fault");
                    }
                }
            });
            for (int round = 0; round < 3; round++) {
                PredictionFailedException e = assertThrows(PredictionFailedException.class, () -> p.predict(bad));
                assertEquals("injected fault", e.getCause().getMessage());
                assertArrayEquals(expected, p.predict(good), "the pool is not poisoned");
            }
            assertEquals(3, p.metrics().failed());
            assertEquals(3, p.metrics().completed());
        }
    }
}
