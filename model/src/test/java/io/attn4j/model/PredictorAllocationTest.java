package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * In the steady state a request allocates its record (which is its future) and its result array,
 * nothing else: a blocking call on the caller's thread (which runs its own batch), and an async
 * call on the worker thread that computes it (which allocates the result). Measured with the
 * threads' allocated-bytes counters against what allocating exactly those objects costs here.
 * Tagged {@code allocation}: run with {@code bin/mvn -Pallocation-checks verify}, in a JVM of its own.
 */
@Tag("allocation")
class PredictorAllocationTest {
    private static final long MAX_NANOS = 60_000_000_000L;
    private static final int CALLS = 200;
    private static volatile Object sink;

    @Test
    void aBlockingCallAllocatesItsRequestAndResultOnly() {
        float[][] seq = Serving.sequence(new SplittableRandom(61), 100, 32);
        long budget = perCall(() -> {
            sink = new Request<float[]>(seq, seq.length, System.nanoTime(), Request.NONE, -1, null);
            sink = new float[1];
        });
        try (Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(100).sessions(1)
                .maxWait(Duration.ZERO).build()) {
            p.warmUp();
            steadyState("a blocking call", budget, () -> sink = p.predict(seq), currentThread());
        }
    }

    @Test
    void anAsyncCallAllocatesOnlyItsResultOnTheWorker() throws Exception {
        float[][] seq = Serving.sequence(new SplittableRandom(62), 100, 32);
        long budget = perCall(() -> sink = new float[1]);
        try (Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(100).sessions(1)
                .maxWait(Duration.ZERO).build()) {
            p.warmUp();
            p.submit(seq).get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
            long worker = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("attn4j-predictor-")).mapToLong(Thread::threadId).findFirst()
                    .orElseThrow();
            steadyState("an async call, on the worker", budget, () -> {
                try {
                    sink = p.submit(seq).get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, worker);
        }
    }

    private static long currentThread() {
        return Thread.currentThread().threadId();
    }

    /** What {@code allocate} allocates per run here, once compiled (the smallest of many rounds). */
    private static long perCall(Runnable allocate) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 200; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < CALLS; i++) {
                allocate.run();
            }
            best = Math.min(best, (mx.getCurrentThreadAllocatedBytes() - before) / CALLS);
        }
        return best;
    }

    /** Runs rounds of calls until one allocates at most {@code budget} per call on {@code thread}; fails after a minute. */
    private static void steadyState(String what, long budget, Runnable call, long thread) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long start = System.nanoTime(), last = -1;
        while (System.nanoTime() - start < MAX_NANOS) {
            long before = mx.getThreadAllocatedBytes(thread);
            for (int i = 0; i < CALLS; i++) {
                call.run();
            }
            last = (mx.getThreadAllocatedBytes(thread) - before) / CALLS;
            if (last <= budget) {
                System.out.printf("%s: %d bytes per call (the request's own objects: %d)%n", what, last, budget);
                return;
            }
        }
        fail(what + " still allocates " + last + " bytes per call, its own objects " + budget);
    }
}
