package io.attn4j.attention;

import io.attn4j.engine.parallel.Parallel;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Runs the independent work items of a call (e.g. one per (batch entry, head, query block)) on
 * the caller's executor, each worker with its own workspace {@link WorkerScratch}. Each worker
 * takes the items of its own contiguous range in order, then helps with what is left of the
 * others' ranges: neighbouring items share operands (a head's packed keys and values), which a
 * worker then prepares once instead of every worker preparing every head. Each item is computed
 * by the same single-threaded code whichever worker takes it, so results are bit-identical for
 * any thread count.
 */
final class Workers {
    /** A thread that owns no arena, to ask whether memory is confined to its owner thread. */
    private static final Thread NON_OWNER = Thread.ofVirtual().unstarted(() -> {
    });

    /** One kind of work item. */
    interface Body {
        void run(int item, WorkerScratch slot);
    }

    private Workers() {
    }

    /**
     * How many workers a call of {@code items} items gets: 1 without an executor or when some
     * operand lives in memory confined to the calling thread, else up to the core count.
     */
    static int count(Executor executor, int items, AttentionOperands op) {
        if (executor == null || items <= 1 || Parallel.parallelism() <= 1) {
            return 1;
        }
        if (!shareable(op.q) || !shareable(op.k) || !shareable(op.v) || !shareable(op.out) || !shareable(op.w)
                || !op.mask.accessibleBy(NON_OWNER)) {
            return 1;
        }
        return Math.min(items, Parallel.parallelism());
    }

    /** True unless {@code s} is confined to one thread (null, an absent operand, is shareable). */
    static boolean shareable(MemorySegment s) {
        return s == null || s.isAccessibleBy(NON_OWNER);
    }

    /**
     * Runs {@code body} for items {@code [0, items)} on {@code workers} workers; worker {@code w}
     * uses slot {@code w} of {@code workspace}, which must hold at least {@code workers} slots.
     */
    static void run(Executor executor, int workers, int items, AttentionWorkspace workspace, Body body) {
        if (workers <= 1) {
            WorkerScratch slot = workspace.slot(0);
            for (int i = 0; i < items; i++) {
                body.run(i, slot);
            }
            return;
        }
        // taken[r]: items handed out so far from range r, [r * items / workers, (r + 1) * items / workers)
        AtomicIntegerArray taken = new AtomicIntegerArray(workers);
        Parallel.forEach(executor, workers, w -> {
            WorkerScratch slot = workspace.slot(w);
            for (int turn = 0; turn < workers; turn++) {
                int range = (w + turn) % workers;
                int from = rangeStart(range, items, workers), to = rangeStart(range + 1, items, workers);
                for (int i; (i = from + taken.getAndIncrement(range)) < to;) {
                    body.run(i, slot);
                }
            }
        });
    }

    /** First item of worker {@code range}'s share of {@code items}. */
    private static int rangeStart(int range, int items, int workers) {
        return (int) ((long) items * range / workers);
    }
}
