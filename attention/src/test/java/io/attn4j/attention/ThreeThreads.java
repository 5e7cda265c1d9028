package io.attn4j.attention;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A pool of three daemon threads for the tests that compare a threaded call with the calling
 * thread's: more workers than this machine's cores, so that items interleave. Shared and never
 * shut down (its threads are daemons).
 */
final class ThreeThreads {
    static final ExecutorService POOL = Executors.newFixedThreadPool(3, Thread.ofPlatform().daemon().factory());

    private ThreeThreads() {
    }
}
