package io.attn4j.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop load: {@code clients} threads, each sending its next sequence as soon as the
 * previous answer arrives, for a warm-up and then a measured time. Each call's latency (from the
 * call to its answer) goes into the client's own HdrHistogram (3 significant digits), merged at the
 * end; the throughput counts the calls that started in the measured window over its length.
 * A closed loop has no coordinated omission to correct: a client waits for its answer by design.
 */
final class ClosedLoop {
    /** What one cell measured. */
    record Measurement(int clients, long calls, double seconds, Histogram latency) {
        double perSecond() {
            return calls / seconds;
        }
    }

    private ClosedLoop() {
    }

    /**
     * @param clients makes client {@code i} on its own thread (and closes it there after)
     * @param inputs the sequences; client i starts at a different place and walks through them
     */
    static Measurement run(IntFunction<ServingClient> clients, int count, float[][][] inputs, long warmNanos,
            long measureNanos) throws Exception {
        Histogram[] histograms = new Histogram[count];
        long[] calls = new long[count];
        CountDownLatch ready = new CountDownLatch(count), go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] window = new long[2];
        Thread[] threads = new Thread[count];
        for (int i = 0; i < count; i++) {
            int id = i;
            histograms[i] = new Histogram(3_600_000_000_000L, 3);
            threads[i] = Thread.ofPlatform().name("w9-client-" + i).start(() -> {
                try (ServingClient client = clients.apply(id)) {
                    int next = id * 7919 % inputs.length;
                    ready.countDown();
                    go.await();
                    long from = window[0], to = window[1];
                    Histogram h = histograms[id];
                    long n = 0;
                    for (long start; (start = System.nanoTime()) - to < 0;) {
                        float p = client.call(inputs[next]);
                        long end = System.nanoTime();
                        if (!(p >= 0 && p <= 1)) {
                            throw new IllegalStateException("a probability of " + p);
                        }
                        next = (next + 1) % inputs.length;
                        if (start - from >= 0) {
                            h.recordValue(end - start);
                            n++;
                        }
                    }
                    calls[id] = n;
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    ready.countDown();
                }
            });
        }
        ready.await();
        long now = System.nanoTime();
        window[0] = now + warmNanos;
        window[1] = window[0] + measureNanos;
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a W9 client failed", failure.get());
        }
        Histogram all = new Histogram(3_600_000_000_000L, 3);
        long total = 0;
        for (int i = 0; i < count; i++) {
            all.add(histograms[i]);
            total += calls[i];
        }
        return new Measurement(count, total, measureNanos / 1e9, all);
    }
}
