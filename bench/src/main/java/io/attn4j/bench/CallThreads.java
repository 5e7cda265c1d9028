package io.attn4j.bench;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The threads one call of a benchmark runs on, as attn4j is given them: no executor for one
 * thread, else a fixed pool of {@code threads - 1} daemon threads, since attn4j's parallel calls
 * (io.attn4j.engine.parallel.Parallel) also work on the calling thread. Made once in a
 * {@code @Setup}, closed in its {@code @TearDown}.
 */
final class CallThreads implements AutoCloseable {
    private final ExecutorService pool;

    /**
     * A pool for calls on {@code threads} threads.
     *
     * @throws IllegalArgumentException unless {@code 1 <= threads <= } the core count (attn4j
     *     splits a call into at most that many parts, so more threads would sit idle)
     */
    CallThreads(int threads) {
        if (threads < 1 || threads > cores()) {
            throw new IllegalArgumentException("threads must be in 1.." + cores() + " (the cores), got " + threads);
        }
        pool = threads == 1
                ? null
                : Executors.newFixedThreadPool(threads - 1,
                        Thread.ofPlatform().daemon().name("bench-call-", 0).factory());
    }

    /** The cores available to this JVM: the thread count of the all-core benchmarks. */
    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The executor to pass to attn4j; null (run on the calling thread) for one thread. */
    Executor executor() {
        return pool;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
