package io.attn4j.engine.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;

/** Checks that a call allocates nothing on the Java heap once the JIT has compiled it. */
public final class Allocations {
    /**
     * Time allowed for the JIT to compile the code (vectors are heap objects until then); generous,
     * since compiler threads share the cores with everything else on a loaded machine. A passing
     * check stops at its first allocation-free round.
     */
    private static final long MAX_NANOS = 30_000_000_000L;
    /** What reading the counter itself may cost. */
    private static final long SLACK = 256;

    private Allocations() {
    }

    /** Runs {@code round} until one run allocates at most a few bytes of bookkeeping; fails after {@link #MAX_NANOS}. */
    public static void assertSteadyStateFree(String what, Runnable round) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long last = -1, start = System.nanoTime();
        int rounds = 0;
        while (System.nanoTime() - start < MAX_NANOS) {
            long before = threads.getCurrentThreadAllocatedBytes();
            round.run();
            last = threads.getCurrentThreadAllocatedBytes() - before;
            rounds++;
            if (last <= SLACK) {
                return;
            }
        }
        fail(what + " still allocates " + last + " bytes after " + rounds + " rounds");
    }
}
