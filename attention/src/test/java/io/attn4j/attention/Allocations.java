package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;

/** Checks that a call allocates nothing on the Java heap once the JIT has compiled it. */
final class Allocations {
    /** Rounds allowed for the JIT to compile the code (vectors are heap objects until then). */
    private static final int MAX_ROUNDS = 60;
    /** What reading the counter itself may cost. */
    private static final long SLACK = 256;

    private Allocations() {
    }

    /** Runs {@code round} until one run allocates at most a few bytes of bookkeeping; fails after {@link #MAX_ROUNDS}. */
    static void assertSteadyStateFree(String what, Runnable round) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long last = -1;
        for (int i = 0; i < MAX_ROUNDS; i++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            round.run();
            last = threads.getCurrentThreadAllocatedBytes() - before;
            if (last <= SLACK) {
                return;
            }
        }
        fail(what + " still allocates " + last + " bytes after " + MAX_ROUNDS + " rounds");
    }
}
