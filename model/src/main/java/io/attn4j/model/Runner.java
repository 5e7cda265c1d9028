package io.attn4j.model;

import io.attn4j.engine.parallel.Parallel;
import java.util.concurrent.Executor;

/**
 * Runs one batch at a time for a {@link Batcher}: the pooled unit of work. It holds one or more
 * {@link RunnerPart}s (a session and its staging input each); a batch large enough is split into
 * blocks of rows, one part each, run on the caller's executor. Each row's result depends on the
 * row alone ({@link Session}'s row independence, every part padded to the same {@code T}), so a
 * split batch gives the same bits as one part.
 *
 * <p>Also holds the batch being assembled ({@link #batch}, {@link #expired}), so that taking
 * requests from the queue allocates nothing. Used by one thread at a time: the one that took it
 * from the pool.
 */
final class Runner implements AutoCloseable {
    /** Fewest rows a part takes when a batch is split: below it, handing a part to another thread costs more than it saves. */
    static final int MIN_ROWS_PER_PART = 8;

    final Generation generation;
    /** The batch being assembled and run: {@code batch[0, n)}. */
    final Request<?>[] batch;
    /** Requests found past their deadline while assembling the batch: {@code expired[0, expiredCount)}. */
    final Request<?>[] expired;
    int expiredCount;
    /** Requests of the batch being assembled and run that the batcher counts as running. */
    int counted;
    private final RunnerPart[] parts;
    private final Executor executor;
    private final int maxSeq;

    /**
     * @param parts 1 without an executor, else how many blocks a batch may be split into
     * @throws IllegalArgumentException or IllegalStateException from making the sessions; nothing
     *         stays allocated then
     */
    Runner(Generation generation, int maxBatch, int maxSeq, int queueCapacity, int parts, Executor executor) {
        this.generation = generation;
        this.batch = new Request<?>[maxBatch];
        this.expired = new Request<?>[Math.max(queueCapacity, maxBatch)];
        this.executor = executor;
        this.maxSeq = maxSeq;
        int rows = (maxBatch + parts - 1) / parts;
        this.parts = new RunnerPart[parts];
        try {
            for (int i = 0; i < parts; i++) {
                this.parts[i] = new RunnerPart(generation.served, rows, maxSeq);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The off-heap bytes a runner of these sizes holds at most (see {@link SequenceModel#sessionBytes}). */
    static long bytes(ServedModel served, int maxBatch, int maxSeq, int parts) {
        int rows = (maxBatch + parts - 1) / parts;
        long one = served.model().sessionBytes(rows, maxSeq, false) + RunnerPart.stagingBytes(served, rows, maxSeq);
        return Math.multiplyExact(one, (long) parts);
    }

    /** Off-heap bytes held now. */
    long byteSize() {
        long bytes = 0;
        for (RunnerPart p : parts) {
            if (p != null) {
                bytes += p.byteSize();
            }
        }
        return bytes;
    }

    /**
     * Computes {@code batch[0, n)}, each padded to the batch's longest sequence and to at least
     * {@link Session#ROW_INVARIANT_STEPS} steps (when the limit allows), or to the model's fixed
     * steps when it has them, and stores each request's result in it.
     *
     * @param hook called in each part before it computes (tests inject faults there); may be null
     * @return how many parts ran
     */
    int run(int n, BatchHook hook) {
        int fixed = generation.served.fixedSteps();
        int seq = fixed > 0 ? fixed : Math.min(maxSeq, Session.ROW_INVARIANT_STEPS);
        for (int i = 0; i < n; i++) {
            seq = Math.max(seq, batch[i].steps);
        }
        int rowsPerPart = parts[0].maxRows;
        int k = Math.max((n + rowsPerPart - 1) / rowsPerPart, Math.min(parts.length, n / MIN_ROWS_PER_PART));
        k = Math.max(1, Math.min(k, parts.length));
        if (k == 1) {
            if (hook != null) {
                hook.beforeCompute(batch, 0, n);
            }
            parts[0].compute(batch, 0, n, seq);
            return 1;
        }
        int block = (n + k - 1) / k, steps = seq;
        int used = (n + block - 1) / block;
        Parallel.forEach(executor, used, i -> {
            int from = i * block, rows = Math.min(block, n - from);
            if (hook != null) {
                hook.beforeCompute(batch, from, rows);
            }
            parts[i].compute(batch, from, rows, steps);
        });
        return used;
    }

    /** A runner like this one with fresh sessions, after a batch failed on this one; this one if they cannot be made. */
    Runner renew(int maxBatch, int queueCapacity) {
        try {
            return new Runner(generation, maxBatch, maxSeq, queueCapacity, parts.length, executor);
        } catch (RuntimeException e) {
            return this;
        }
    }

    @Override
    public void close() {
        for (RunnerPart p : parts) {
            if (p != null) {
                p.close();
            }
        }
    }

    /** A test's view into a batch as it runs. */
    interface BatchHook {
        /** Called before rows {@code [from, from + rows)} of {@code batch} are computed. */
        void beforeCompute(Request<?>[] batch, int from, int rows);
    }
}
