package io.attn4j.model;

import io.attn4j.engine.parallel.Parallel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link SequenceModel} served to many threads at once: the one object a service shares across
 * its request threads. It owns a pool of sessions and batches the requests that arrive together.
 *
 * <pre>{@code
 * Predictor predictor = Predictor.builder(SequenceModel.load(weights))
 *         .maxSequenceLength(100).maxBatch(64).build();
 * float[] probabilities = predictor.predict(sequence);          // float[steps][features], any thread
 * }</pre>
 *
 * <h2>Requests and results</h2>
 * A request is one sequence {@code float[steps][features]} with {@code 1 <= steps <=}
 * {@link #maxSequenceLength()}, every value finite; its result is the model's output for it,
 * {@code float[outputs]}, a new array the caller owns. {@link #predict(float[][])} blocks;
 * {@link #submit(float[][])} returns a {@link CompletableFuture} at once. The batch forms take
 * several sequences (of any lengths) and give their results in order. Each request is checked on
 * the caller's thread before it is queued: a bad one throws {@link IllegalArgumentException}
 * (naming the sequence, step and feature) and never reaches a batch.
 *
 * <h2>Batching</h2>
 * Requests waiting together run as one batch of up to {@code maxBatch}, padded to its longest
 * sequence; a batch that is not full waits up to {@code maxWait} for more while other traffic is
 * present (a lone request with nothing else running starts at once). <b>A request's result does
 * not depend on its batch-mates</b>: it is the same, bit for bit, as the request served alone
 * (the model computes each row from the row alone; see {@link Session}).
 *
 * <h2>Backpressure, deadlines, cancellation</h2>
 * The queue holds at most {@code queueCapacity} requests; past it, {@code submit} and
 * {@code predict} throw {@link PredictionRejectedException} at once, so memory stays bounded
 * whatever the offered load. A request with a timeout whose deadline passes before its batch
 * starts fails with {@link PredictionTimeoutException} and is not computed (a blocking caller gets
 * it at the deadline; a future gets it when a batch next takes requests from the queue). Cancelling
 * a future frees its queue slot at once.
 *
 * <h2>Threads and cores</h2>
 * {@code sessions} batches run at once (default: one per core), on the threads of blocking
 * callers that find a session free (a lone caller runs its own request, with no hand-off between
 * threads) or on the predictor's worker threads (daemons, parked while idle). With an
 * {@link Builder#executor executor}, a batch of 16 or more requests is split into blocks of rows
 * computed on its threads, with the same bits as on one. Dependent stages of a future
 * ({@code thenApply} and the like, without an executor) run on the thread that completes it, a
 * worker or a caller: give slow ones an executor of their own.
 *
 * <h2>Lifecycle</h2>
 * The predictor owns its model. {@link #close()} stops intake, fails the queued requests with
 * {@link PredictorClosedException}, lets running batches finish, and frees the sessions and the
 * model once the last one ends; it returns then. {@link #swap} replaces the model under traffic:
 * no request fails, each result comes wholly from the old or the new model, and the old one is
 * closed when its last batch ends.
 *
 * <h2>Memory</h2>
 * Each session's off-heap memory is computed before anything is allocated
 * ({@link SequenceModel#sessionBytes}); a configuration whose total is above
 * {@link Builder#scratchLimit} is refused. Per request, the heap holds the request (one object,
 * which is also the future) and its result array; nothing else is allocated in the steady state.
 *
 * <p>Thread-safe: every method may be called from any thread. {@link #metrics()} gives the
 * counters; the batches, rejections and timeouts are also JDK Flight Recorder events (category
 * "attn4j / Predictor").
 */
public final class Predictor implements AutoCloseable {
    private final Batcher batcher;
    private final ServingStats stats;
    private final ServedModel shape;
    private final int maxBatch;
    private final int maxSeq;
    private final int queueCapacity;
    private final int sessions;
    private final int parts;
    private final long limit;
    private final Duration timeout;
    private volatile long scratchBytes;

    private Predictor(Builder b, ServedModel served, int parts, long bytes) {
        this.shape = served;
        this.maxBatch = b.maxBatch;
        this.maxSeq = b.maxSeq;
        this.queueCapacity = b.queueCapacity;
        this.sessions = b.sessions;
        this.parts = parts;
        this.limit = b.scratchLimit;
        this.timeout = b.timeout;
        this.scratchBytes = bytes;
        this.stats = new ServingStats(b.maxBatch);
        this.batcher = new Batcher(served, b.maxBatch, b.maxWait.toNanos(), b.queueCapacity, b.maxSeq, b.sessions,
                parts, b.executor, stats);
    }

    /** A builder for a predictor serving {@code model}, which the predictor will own once built. */
    public static Builder builder(SequenceModel model) {
        if (model == null) {
            throw new IllegalArgumentException("model is null");
        }
        return new Builder(model);
    }

    /**
     * The predictor's settings. {@link #maxSequenceLength} is required; the others have defaults.
     * Not thread-safe (build on one thread).
     */
    public static final class Builder {
        private final SequenceModel model;
        private int maxBatch = 64;
        private Duration maxWait = Duration.ZERO;
        private int queueCapacity = 1024;
        private int maxSeq;
        private int sessions = Runtime.getRuntime().availableProcessors();
        private Executor executor;
        private long scratchLimit = physicalMemory();
        private Duration timeout;

        private Builder(SequenceModel model) {
            this.model = model;
        }

        /** Most requests in one batch; default 64. */
        public Builder maxBatch(int requests) {
            this.maxBatch = requests;
            return this;
        }

        /**
         * Longest a batch that is not full waits for more requests while other traffic is present;
         * default zero: every batch runs with what is queued when it starts (requests that arrive
         * while the sessions are busy still run together). Waiting pays when a batch's cost per
         * sequence falls well below a lone sequence's; for the example classifier it hardly does, so
         * waiting there only adds latency.
         */
        public Builder maxWait(Duration wait) {
            this.maxWait = wait;
            return this;
        }

        /** Most requests waiting at once; past it requests are rejected. Default 1024. */
        public Builder queueCapacity(int requests) {
            this.queueCapacity = requests;
            return this;
        }

        /** Most steps of one request (required): the sessions are sized for {@code maxBatch x steps}. */
        public Builder maxSequenceLength(int steps) {
            this.maxSeq = steps;
            return this;
        }

        /** Batches that run at once, each on a session of its own; default the core count. */
        public Builder sessions(int count) {
            this.sessions = count;
            return this;
        }

        /**
         * Threads a large batch may be split over (its blocks of rows run as tasks of this executor,
         * the calling thread taking part); none by default. Sessions are then made per block, of
         * {@code maxBatch / cores} rows each: the memory stays that of one session per batch.
         */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /**
         * Most off-heap bytes the sessions and their staging buffers may hold together; by default the
         * machine's physical memory (so that an absurd configuration is refused, not attempted).
         */
        public Builder scratchLimit(long bytes) {
            this.scratchLimit = bytes;
            return this;
        }

        /**
         * Deadline of every request that does not give its own: how long it may wait in the queue;
         * null (the default) for none.
         */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * Makes the sessions and starts the predictor; from here on it owns the model (if this
         * throws, the caller still does).
         *
         * @throws IllegalArgumentException for a setting out of range, a maximum sequence length not
         *         set, or sessions whose memory, computed before anything is allocated, is above the
         *         scratch limit (or too large to make at all); the message names the setting
         * @throws IllegalStateException if the model is closed
         */
        public Predictor build() {
            if (maxBatch < 1 || queueCapacity < 1 || sessions < 1) {
                throw new IllegalArgumentException("maxBatch, queueCapacity and sessions must be >= 1, got "
                        + maxBatch + ", " + queueCapacity + ", " + sessions);
            }
            if (maxSeq < 1) {
                throw new IllegalArgumentException("maxSequenceLength must be set, >= 1, got " + maxSeq);
            }
            if (maxWait == null || maxWait.isNegative()) {
                throw new IllegalArgumentException("maxWait must be zero or positive, got " + maxWait);
            }
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive (or null for none), got " + timeout);
            }
            if (scratchLimit < 1) {
                throw new IllegalArgumentException("scratchLimit must be positive, got " + scratchLimit);
            }
            model.requireOpen();
            ServedModel served = ServedModel.of(model);
            int parts = executor == null ? 1 : Math.max(1, Math.min(Parallel.parallelism(), maxBatch));
            long bytes = scratch(served, maxBatch, maxSeq, sessions, parts, scratchLimit);
            return new Predictor(this, served, parts, bytes);
        }
    }

    /** The machine's physical memory as the JVM reports it; no limit when it does not. */
    private static long physicalMemory() {
        if (java.lang.management.ManagementFactory
                .getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long bytes = os.getTotalMemorySize();
            return bytes > 0 ? bytes : Long.MAX_VALUE;
        }
        return Long.MAX_VALUE;
    }

    /** The off-heap bytes of {@code sessions} runners, refused above {@code limit}. */
    private static long scratch(ServedModel served, int maxBatch, int maxSeq, int sessions, int parts, long limit) {
        long bytes;
        try {
            bytes = Math.multiplyExact(Runner.bytes(served, maxBatch, maxSeq, parts), (long) sessions);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("maxBatch " + maxBatch + " x maxSequenceLength " + maxSeq + " x "
                    + sessions + " sessions overflows a count of bytes", e);
        }
        if (bytes > limit) {
            throw new IllegalArgumentException(
                    sessions + " sessions of maxBatch " + maxBatch + " x maxSequenceLength " + maxSeq + " need " + bytes
                            + " bytes of scratch memory, above the limit of " + limit
                            + " bytes: lower maxBatch, maxSequenceLength or sessions, or raise scratchLimit");
        }
        return bytes;
    }

    /**
     * Predicts one sequence, blocking until its result (or the default deadline, if set).
     *
     * @param sequence {@code float[steps][features]}, not modified
     * @return {@code float[outputs]}
     * @throws IllegalArgumentException for a bad sequence (nothing queued)
     * @throws PredictionRejectedException if the queue is full
     * @throws PredictionTimeoutException if the deadline passed in the queue
     * @throws PredictorClosedException if the predictor is or gets closed before the batch starts
     * @throws PredictionFailedException if the batch failed unexpectedly
     */
    public float[] predict(float[][] sequence) {
        return predict(sequence, timeout);
    }

    /**
     * As {@link #predict(float[][])}, with its own deadline: {@code timeout} after the call, or
     * none if null.
     */
    public float[] predict(float[][] sequence, Duration timeout) {
        Request<float[]> r = request(sequence, -1, System.nanoTime(), timeout);
        batcher.runOrEnqueue(r);
        return await(r);
    }

    /**
     * Queues one sequence and returns its future at once. The future completes with the result,
     * or exceptionally with {@link PredictionTimeoutException}, {@link PredictorClosedException} or
     * {@link PredictionFailedException}; cancelling it frees its queue slot.
     *
     * @throws IllegalArgumentException for a bad sequence
     * @throws PredictionRejectedException if the queue is full
     * @throws PredictorClosedException if the predictor is closed
     */
    public CompletableFuture<float[]> submit(float[][] sequence) {
        return submit(sequence, timeout);
    }

    /** As {@link #submit(float[][])}, with its own deadline ({@code timeout} from now; null: none). */
    public CompletableFuture<float[]> submit(float[][] sequence, Duration timeout) {
        Request<float[]> r = request(sequence, -1, System.nanoTime(), timeout);
        batcher.enqueue(r);
        return r;
    }

    /**
     * Predicts several sequences (any lengths), blocking; the calling thread computes batches of
     * them while a session is free.
     *
     * @return {@code [sequences.length][outputs]}, in order
     * @throws IllegalArgumentException for a bad sequence (naming its index; nothing queued) or
     *         more sequences than the queue holds
     * @throws PredictionRejectedException if the queue has no room for all of them (none queued)
     * @throws PredictionTimeoutException as for one sequence, for the first sequence that failed so
     * @throws PredictorClosedException as for one sequence
     * @throws PredictionFailedException as for one sequence
     */
    public float[][] predict(float[][][] sequences) {
        BatchRequest all = batch(sequences, timeout);
        for (Request<float[]> r : all.parts) {
            while (!r.isDone() && batcher.runQueued()) {
                // the caller's thread serves the queue (its own requests first: they are the oldest)
            }
        }
        float[][] results = new float[all.parts.length][];
        for (int i = 0; i < results.length; i++) {
            results[i] = await(all.parts[i]);
        }
        return results;
    }

    /**
     * Queues several sequences (all or none) and returns one future of all their results, in order;
     * it fails with the first failure among them. Cancelling it cancels them all.
     *
     * @throws IllegalArgumentException for a bad sequence (naming its index) or more sequences than
     *         the queue holds
     * @throws PredictionRejectedException if the queue has no room for all of them
     * @throws PredictorClosedException if the predictor is closed
     */
    public CompletableFuture<float[][]> submit(float[][][] sequences) {
        return batch(sequences, timeout);
    }

    private BatchRequest batch(float[][][] sequences, Duration timeout) {
        if (sequences == null || sequences.length == 0) {
            throw new IllegalArgumentException("no sequences given");
        }
        if (sequences.length > queueCapacity) {
            throw new IllegalArgumentException(sequences.length + " sequences are more than the queue holds ("
                    + queueCapacity + "): split them, or raise queueCapacity");
        }
        long now = System.nanoTime();
        @SuppressWarnings("unchecked")
        Request<float[]>[] parts = new Request[sequences.length];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = request(sequences[i], i, now, timeout);
        }
        batcher.enqueueAll(parts);
        return new BatchRequest(parts);
    }

    /** A checked request; throws for a bad sequence. */
    private Request<float[]> request(float[][] sequence, int index, long now, Duration timeout) {
        String what = index < 0 ? "the sequence" : "sequences[" + index + "]";
        int steps = check(sequence, what);
        long deadline = Request.NONE;
        if (timeout != null) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            deadline = now + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        }
        return new Request<>(sequence, steps, now, deadline, index, batcher);
    }

    /** Checks a request's shape and values; returns its steps. */
    private int check(float[][] sequence, String what) {
        if (sequence == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        int steps = sequence.length;
        if (steps == 0) {
            throw new IllegalArgumentException(what + " is empty: a prediction needs at least one step");
        }
        if (steps > maxSeq) {
            throw new IllegalArgumentException(what + " has " + steps
                    + " steps, more than this predictor's maximum sequence length " + maxSeq);
        }
        int features = shape.features();
        for (int t = 0; t < steps; t++) {
            float[] step = sequence[t];
            if (step == null || step.length != features) {
                throw new IllegalArgumentException(what + "[" + t + "] has " + (step == null ? 0 : step.length)
                        + " features, the model takes " + features);
            }
            if (!finite(step)) {
                for (int f = 0; f < features; f++) {
                    if (!Float.isFinite(step[f])) {
                        throw new IllegalArgumentException(what + "[" + t + "][" + f + "] is " + step[f]
                                + ": the model takes finite values (Sequences fills missing ones)");
                    }
                }
            }
        }
        return steps;
    }

    /**
     * Whether every value is finite: a value is NaN or infinite exactly when its exponent bits are
     * all ones, i.e. when {@code ~bits & EXPONENT} is 0; the minimum of that over the step, a loop
     * without a branch, which the JIT vectorizes.
     */
    private static boolean finite(float[] step) {
        int min = Integer.MAX_VALUE;
        for (float v : step) {
            min = Math.min(min, ~Float.floatToRawIntBits(v) & 0x7f800000);
        }
        return min != 0;
    }

    /** Waits for {@code r} uninterruptibly (an interrupt is kept), failing it at its deadline if still queued. */
    private <R> R await(Request<R> r) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (r.deadline == Request.NONE) {
                        return r.get();
                    }
                    long left = r.deadline - System.nanoTime();
                    if (left <= 0) {
                        if (batcher.expire(r)) {
                            continue; // failed now: get() throws its timeout
                        }
                        return r.get(); // its batch has started: it completes
                    }
                    return r.get(left, TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    // loop: the deadline has passed
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw rethrow(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof CompletionException c && c.getCause() != null) {
            cause = c.getCause();
        }
        if (cause instanceof RuntimeException re) {
            return re;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new PredictionFailedException("the prediction failed: " + cause, cause);
    }

    /** The future of a batch call: completes when all its parts have, with their results in order. */
    private static final class BatchRequest extends CompletableFuture<float[][]> {
        final Request<float[]>[] parts;

        BatchRequest(Request<float[]>[] parts) {
            this.parts = parts;
            CompletableFuture.allOf(parts).whenComplete((ok, failure) -> {
                if (failure != null) {
                    completeExceptionally(failure instanceof CompletionException c && c.getCause() != null
                            ? c.getCause()
                            : failure);
                    return;
                }
                float[][] results = new float[parts.length][];
                for (int i = 0; i < parts.length; i++) {
                    results[i] = parts[i].join();
                }
                complete(results);
            });
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                for (Request<float[]> r : parts) {
                    r.cancel(mayInterruptIfRunning);
                }
            }
            return cancelled;
        }
    }

    /**
     * Runs the model until its hot paths are compiled, so that the first real request is served at
     * steady-state latency: every session once at its largest shape (so its scratch memory is
     * fully grown), then calls of one request and of full batches, on synthetic inputs, until the
     * JIT has compiled nothing new for half a second (at most 10 s). Takes every session while it
     * runs (requests meanwhile wait in the queue), and ends with a few hundred requests through the
     * predictor's own path: call it before serving traffic. Counted in {@link #metrics()}.
     *
     * @throws PredictorClosedException if the predictor is closed
     */
    public void warmUp() {
        WarmUp.run(this, batcher, shape, maxBatch, maxSeq, sessions);
    }

    /**
     * Serves {@code next} from now on, under traffic: no request fails, each result comes wholly
     * from one model, and the current model is closed once its last batch ends. The predictor owns
     * {@code next} once this returns (if this throws, the caller still does). New sessions are made
     * before the old ones are freed: for a moment both models' memory is held.
     *
     * @throws IllegalArgumentException if {@code next} takes or gives other shapes than the
     *         current model, or its sessions are above the scratch limit
     * @throws IllegalStateException if {@code next} is closed
     * @throws PredictorClosedException if the predictor is closed
     */
    public void swap(SequenceModel next) {
        if (next == null) {
            throw new IllegalArgumentException("the new model is null");
        }
        next.requireOpen();
        ServedModel served = ServedModel.of(next);
        shape.requireCompatible(served);
        long bytes = scratch(served, maxBatch, maxSeq, sessions, parts, limit);
        batcher.swap(served);
        scratchBytes = bytes;
    }

    /** Tests: a hook called in each part of each batch before it computes. */
    void batchHook(Runner.BatchHook hook) {
        batcher.hook = hook;
    }

    /** Tests: the off-heap bytes the current runners hold now (their sessions' own accounting). */
    long heldBytes() {
        return batcher.heldBytes();
    }

    /** A snapshot of the counters (see {@link PredictorMetrics}). */
    public PredictorMetrics metrics() {
        return stats.snapshot(batcher.queued(), batcher.running(), scratchBytes);
    }

    /** Input features per step. */
    public int inputSize() {
        return shape.features();
    }

    /** Outputs per sequence. */
    public int outputSize() {
        return shape.outputs();
    }

    /** The longest sequence a request may have. */
    public int maxSequenceLength() {
        return maxSeq;
    }

    /** The most requests one batch runs. */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * Stops intake (later calls throw {@link PredictorClosedException}), fails the queued requests
     * with it, waits for the running batches to end, then frees the sessions and closes the model.
     * Idempotent; safe to call from a completion callback (no session is held there).
     */
    @Override
    public void close() {
        batcher.close();
    }
}
