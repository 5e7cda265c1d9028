package io.attn4j.model;

import io.attn4j.engine.parallel.Parallel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

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
 * A request is one sequence of {@code 1 <= steps <=} {@link #maxSequenceLength()} steps (exactly
 * {@link #fixedSteps()} for a model built for a fixed length): float features
 * {@code float[steps][features]}, every value finite, or, for a model whose input is an
 * {@code Embedding} ({@link #takesTokens()}), token ids {@code int[steps]} in the embedding's
 * range. Its result is the model's output for it, a new array the caller owns: one vector
 * {@code float[outputs]} ({@link #predict(float[][])}, {@link #predict(int[])}), or, for a model
 * that keeps the time axis ({@link #perStep()}), one row per step {@code float[steps][outputs]}
 * ({@link #predictSteps(float[][])}, {@link #predictSteps(int[])}). The {@code predict} forms
 * block; the {@code submit} forms return a {@link CompletableFuture} at once. The batch forms take
 * several sequences (of any lengths) and give their results in order. A form that does not fit
 * the model (token ids to a model of features, a pooled form on a per-step model, ...) throws
 * {@link IllegalArgumentException} naming what the model takes and gives. Each request is checked
 * on the caller's thread before it is queued: a bad one throws {@link IllegalArgumentException}
 * (naming the sequence, step and feature or token) and never reaches a batch.
 *
 * <p>Models built from a {@link ModelConfig} and Keras models with one input are served; a Keras
 * model with several inputs is refused by {@link #builder}'s {@code build()} (give each thread a
 * {@link Session}).
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
 * {@code sessions} batches run at once (default: one per core), on the thread of a blocking
 * caller that finds nothing running (a lone caller runs its own request, with no hand-off between
 * threads) or on the predictor's worker threads (daemons, parked while idle). A batch takes at most
 * its fair share of the requests queued or running (their count over {@code sessions}), so a burst
 * is spread over the sessions at once and batches stay even under load. With an
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
         * while the sessions are busy still run together, so under load batches fill without
         * waiting). Waiting pays when arrivals are sparse and a batch's cost per sequence falls
         * well below a lone sequence's.
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
         *         set or below the model's fixed steps, a model with several inputs, or sessions
         *         whose memory, computed before anything is allocated, is above the scratch limit
         *         (or too large to make at all); the message names the setting
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
            if (maxSeq < served.fixedSteps()) {
                throw new IllegalArgumentException("maxSequenceLength " + maxSeq + " is below the "
                        + served.fixedSteps() + " steps the model was built for");
            }
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
     * Predicts one sequence of float features, blocking until its result (or the default deadline,
     * if set).
     *
     * @param sequence {@code float[steps][features]}, not modified
     * @return {@code float[outputs]}
     * @throws IllegalArgumentException for a bad sequence (nothing queued), or a model that takes
     *         token ids or gives per-step outputs (the message says which form to call)
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
        requireForm(false, false);
        return one(sequence, timeout);
    }

    /**
     * Queues one sequence of float features and returns its future at once. The future completes
     * with the result, or exceptionally with {@link PredictionTimeoutException},
     * {@link PredictorClosedException} or {@link PredictionFailedException}; cancelling it frees
     * its queue slot.
     *
     * @param sequence {@code float[steps][features]}, not modified (nor read after this returns)
     * @return the future of {@code float[outputs]}
     * @throws IllegalArgumentException for a bad sequence, or a model that takes token ids or
     *         gives per-step outputs
     * @throws PredictionRejectedException if the queue is full
     * @throws PredictorClosedException if the predictor is closed
     */
    public CompletableFuture<float[]> submit(float[][] sequence) {
        return submit(sequence, timeout);
    }

    /** As {@link #submit(float[][])}, with its own deadline ({@code timeout} from now; null: none). */
    public CompletableFuture<float[]> submit(float[][] sequence, Duration timeout) {
        requireForm(false, false);
        return queued(sequence, timeout);
    }

    /**
     * Predicts several sequences of float features (any lengths), blocking; the calling thread
     * computes batches of them while a session is free.
     *
     * @param sequences {@code [n][steps_i][features]}, not modified
     * @return {@code [n][outputs]}, in order
     * @throws IllegalArgumentException for a bad sequence (naming its index; nothing queued),
     *         more sequences than the queue holds, or a model that takes token ids or gives
     *         per-step outputs
     * @throws PredictionRejectedException if the queue has no room for all of them (none queued)
     * @throws PredictionTimeoutException as for one sequence, for the first sequence that failed so
     * @throws PredictorClosedException as for one sequence
     * @throws PredictionFailedException as for one sequence
     */
    public float[][] predict(float[][][] sequences) {
        requireForm(false, false);
        return all(sequences, float[][]::new);
    }

    /**
     * Queues several sequences of float features (all or none) and returns one future of all
     * their results ({@code [n][outputs]}), in order; it fails with the first failure among them.
     * Cancelling it cancels them all.
     *
     * @throws IllegalArgumentException for a bad sequence (naming its index), more sequences than
     *         the queue holds, or a model that takes token ids or gives per-step outputs
     * @throws PredictionRejectedException if the queue has no room for all of them
     * @throws PredictorClosedException if the predictor is closed
     */
    public CompletableFuture<float[][]> submit(float[][][] sequences) {
        requireForm(false, false);
        return batch(sequences, float[][]::new);
    }

    /**
     * Predicts one sequence of token ids (a model whose input is an {@code Embedding}), blocking.
     *
     * @param tokens {@code int[steps]}, each in {@code [0, tokenCount)} of the model's
     *          {@code Embedding}; not modified
     * @return {@code float[outputs]}
     * @throws IllegalArgumentException for a bad sequence (empty, too long, an id out of range;
     *         nothing queued), or a model that takes float features or gives per-step outputs
     * @throws PredictionRejectedException if the queue is full
     * @throws PredictionTimeoutException if the deadline passed in the queue
     * @throws PredictorClosedException if the predictor is or gets closed before the batch starts
     * @throws PredictionFailedException if the batch failed unexpectedly
     */
    public float[] predict(int[] tokens) {
        return predict(tokens, timeout);
    }

    /** As {@link #predict(int[])}, with its own deadline ({@code timeout} from now; null: none). */
    public float[] predict(int[] tokens, Duration timeout) {
        requireForm(true, false);
        return one(tokens, timeout);
    }

    /**
     * Queues one sequence of token ids and returns the future of its {@code float[outputs]}, as
     * {@link #submit(float[][])} does for features.
     *
     * @throws IllegalArgumentException for a bad sequence, or a model that takes float features
     *         or gives per-step outputs
     * @throws PredictionRejectedException if the queue is full
     * @throws PredictorClosedException if the predictor is closed
     */
    public CompletableFuture<float[]> submit(int[] tokens) {
        return submit(tokens, timeout);
    }

    /** As {@link #submit(int[])}, with its own deadline ({@code timeout} from now; null: none). */
    public CompletableFuture<float[]> submit(int[] tokens, Duration timeout) {
        requireForm(true, false);
        return queued(tokens, timeout);
    }

    /**
     * Predicts several sequences of token ids ({@code [n][steps_i]}), blocking, as
     * {@link #predict(float[][][])} does for features.
     *
     * @return {@code [n][outputs]}, in order
     * @throws IllegalArgumentException for a bad sequence (naming its index), more sequences than
     *         the queue holds, or a model that takes float features or gives per-step outputs
     * @throws PredictionRejectedException if the queue has no room for all of them (none queued)
     * @throws PredictionTimeoutException as for one sequence
     * @throws PredictorClosedException as for one sequence
     * @throws PredictionFailedException as for one sequence
     */
    public float[][] predict(int[][] sequences) {
        requireForm(true, false);
        return all(sequences, float[][]::new);
    }

    /**
     * Queues several sequences of token ids (all or none) and returns one future of their results
     * {@code [n][outputs]}, as {@link #submit(float[][][])} does for features.
     *
     * @throws IllegalArgumentException for a bad sequence (naming its index), more sequences than
     *         the queue holds, or a model that takes float features or gives per-step outputs
     * @throws PredictionRejectedException if the queue has no room for all of them
     * @throws PredictorClosedException if the predictor is closed
     */
    public CompletableFuture<float[][]> submit(int[][] sequences) {
        requireForm(true, false);
        return batch(sequences, float[][]::new);
    }

    /**
     * Predicts the per-step outputs of one sequence of float features (a model that keeps the time
     * axis, {@link #perStep()}), blocking.
     *
     * @param sequence {@code float[steps][features]}, not modified
     * @return {@code float[steps][outputs]}: one row per step of the sequence (0 where the model's
     *         Keras mask drops a step)
     * @throws IllegalArgumentException for a bad sequence (nothing queued), or a model that takes
     *         token ids or gives one output per sequence
     * @throws PredictionRejectedException if the queue is full
     * @throws PredictionTimeoutException if the deadline passed in the queue
     * @throws PredictorClosedException if the predictor is or gets closed before the batch starts
     * @throws PredictionFailedException if the batch failed unexpectedly
     */
    public float[][] predictSteps(float[][] sequence) {
        return predictSteps(sequence, timeout);
    }

    /** As {@link #predictSteps(float[][])}, with its own deadline ({@code timeout} from now; null: none). */
    public float[][] predictSteps(float[][] sequence, Duration timeout) {
        requireForm(false, true);
        return one(sequence, timeout);
    }

    /**
     * Queues one sequence of float features and returns the future of its per-step outputs
     * {@code float[steps][outputs]}, as {@link #submit(float[][])} does for pooled ones.
     *
     * @throws IllegalArgumentException for a bad sequence, or a model that takes token ids or
     *         gives one output per sequence
     * @throws PredictionRejectedException if the queue is full
     * @throws PredictorClosedException if the predictor is closed
     */
    public CompletableFuture<float[][]> submitSteps(float[][] sequence) {
        return submitSteps(sequence, timeout);
    }

    /** As {@link #submitSteps(float[][])}, with its own deadline ({@code timeout} from now; null: none). */
    public CompletableFuture<float[][]> submitSteps(float[][] sequence, Duration timeout) {
        requireForm(false, true);
        return queued(sequence, timeout);
    }

    /**
     * Predicts the per-step outputs of several sequences of float features, blocking.
     *
     * @param sequences {@code [n][steps_i][features]}, not modified
     * @return {@code [n][steps_i][outputs]}, in order
     * @throws IllegalArgumentException for a bad sequence (naming its index), more sequences than
     *         the queue holds, or a model that takes token ids or gives one output per sequence
     * @throws PredictionRejectedException if the queue has no room for all of them (none queued)
     * @throws PredictionTimeoutException as for one sequence
     * @throws PredictorClosedException as for one sequence
     * @throws PredictionFailedException as for one sequence
     */
    public float[][][] predictSteps(float[][][] sequences) {
        requireForm(false, true);
        return all(sequences, float[][][]::new);
    }

    /**
     * Queues several sequences of float features (all or none) and returns one future of their
     * per-step outputs {@code [n][steps_i][outputs]}, in order.
     *
     * @throws IllegalArgumentException for a bad sequence (naming its index), more sequences than
     *         the queue holds, or a model that takes token ids or gives one output per sequence
     * @throws PredictionRejectedException if the queue has no room for all of them
     * @throws PredictorClosedException if the predictor is closed
     */
    public CompletableFuture<float[][][]> submitSteps(float[][][] sequences) {
        requireForm(false, true);
        return batch(sequences, float[][][]::new);
    }

    /**
     * Predicts the per-step outputs of one sequence of token ids, blocking.
     *
     * @param tokens {@code int[steps]}, each in the model's {@code Embedding} range; not modified
     * @return {@code float[steps][outputs]}
     * @throws IllegalArgumentException for a bad sequence (nothing queued), or a model that takes
     *         float features or gives one output per sequence
     * @throws PredictionRejectedException if the queue is full
     * @throws PredictionTimeoutException if the deadline passed in the queue
     * @throws PredictorClosedException if the predictor is or gets closed before the batch starts
     * @throws PredictionFailedException if the batch failed unexpectedly
     */
    public float[][] predictSteps(int[] tokens) {
        return predictSteps(tokens, timeout);
    }

    /** As {@link #predictSteps(int[])}, with its own deadline ({@code timeout} from now; null: none). */
    public float[][] predictSteps(int[] tokens, Duration timeout) {
        requireForm(true, true);
        return one(tokens, timeout);
    }

    /**
     * Queues one sequence of token ids and returns the future of its per-step outputs
     * {@code float[steps][outputs]}.
     *
     * @throws IllegalArgumentException for a bad sequence, or a model that takes float features
     *         or gives one output per sequence
     * @throws PredictionRejectedException if the queue is full
     * @throws PredictorClosedException if the predictor is closed
     */
    public CompletableFuture<float[][]> submitSteps(int[] tokens) {
        return submitSteps(tokens, timeout);
    }

    /** As {@link #submitSteps(int[])}, with its own deadline ({@code timeout} from now; null: none). */
    public CompletableFuture<float[][]> submitSteps(int[] tokens, Duration timeout) {
        requireForm(true, true);
        return queued(tokens, timeout);
    }

    /**
     * Predicts the per-step outputs of several sequences of token ids, blocking.
     *
     * @return {@code [n][steps_i][outputs]}, in order
     * @throws IllegalArgumentException for a bad sequence (naming its index), more sequences than
     *         the queue holds, or a model that takes float features or gives one output per sequence
     * @throws PredictionRejectedException if the queue has no room for all of them (none queued)
     * @throws PredictionTimeoutException as for one sequence
     * @throws PredictorClosedException as for one sequence
     * @throws PredictionFailedException as for one sequence
     */
    public float[][][] predictSteps(int[][] sequences) {
        requireForm(true, true);
        return all(sequences, float[][][]::new);
    }

    /**
     * Queues several sequences of token ids (all or none) and returns one future of their per-step
     * outputs {@code [n][steps_i][outputs]}, in order.
     *
     * @throws IllegalArgumentException for a bad sequence (naming its index), more sequences than
     *         the queue holds, or a model that takes float features or gives one output per sequence
     * @throws PredictionRejectedException if the queue has no room for all of them
     * @throws PredictorClosedException if the predictor is closed
     */
    public CompletableFuture<float[][][]> submitSteps(int[][] sequences) {
        requireForm(true, true);
        return batch(sequences, float[][][]::new);
    }

    /**
     * Refuses a call whose form does not fit the model: token ids to a model of features (or the
     * reverse), a pooled form for per-step outputs (or the reverse).
     */
    private void requireForm(boolean tokens, boolean steps) {
        if (tokens != shape.takesTokens()) {
            throw new IllegalArgumentException(shape.takesTokens()
                    ? "this model takes token ids (int[steps]), not float features: call the int[] forms"
                    : "this model takes float features (float[steps][" + shape.features() + "]), not token ids:"
                            + " call the float[][] forms");
        }
        if (steps != shape.perStep()) {
            throw new IllegalArgumentException(shape.perStep()
                    ? "this model gives " + shape.outputs() + " outputs per step (float[steps][" + shape.outputs()
                            + "]): call predictSteps or submitSteps"
                    : "this model gives " + shape.outputs() + " outputs per sequence (float[" + shape.outputs()
                            + "]), not per step: call predict or submit");
        }
    }

    /** One checked request of the model's form, computed on this thread or queued, awaited. */
    private <R> R one(Object sequence, Duration timeout) {
        Request<R> r = request(sequence, -1, System.nanoTime(), timeout);
        batcher.runOrEnqueue(r);
        return await(r);
    }

    /** One checked request of the model's form, queued. */
    private <R> CompletableFuture<R> queued(Object sequence, Duration timeout) {
        Request<R> r = request(sequence, -1, System.nanoTime(), timeout);
        batcher.enqueue(r);
        return r;
    }

    /** WarmUp: one request of the model's form (its input checked again), without a deadline. */
    void predictAny(Object sequence) {
        one(sequence, null);
    }

    /** Several checked requests, queued, served partly by this thread, awaited. */
    private <R> R[] all(Object[] sequences, IntFunction<R[]> array) {
        BatchRequest<R> all = batch(sequences, array);
        for (Request<R> r : all.parts) {
            while (!r.isDone() && batcher.runQueued()) {
                // the caller's thread serves the queue (its own requests first: they are the oldest)
            }
        }
        R[] results = array.apply(all.parts.length);
        for (int i = 0; i < results.length; i++) {
            results[i] = await(all.parts[i]);
        }
        return results;
    }

    private <R> BatchRequest<R> batch(Object[] sequences, IntFunction<R[]> array) {
        if (sequences == null || sequences.length == 0) {
            throw new IllegalArgumentException("no sequences given");
        }
        if (sequences.length > queueCapacity) {
            throw new IllegalArgumentException(sequences.length + " sequences are more than the queue holds ("
                    + queueCapacity + "): split them, or raise queueCapacity");
        }
        long now = System.nanoTime();
        @SuppressWarnings({"unchecked", "rawtypes"})
        Request<R>[] parts = new Request[sequences.length];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = request(sequences[i], i, now, timeout);
        }
        batcher.enqueueAll(parts);
        return new BatchRequest<>(parts, array);
    }

    /** A checked request; throws for a bad sequence. */
    private <R> Request<R> request(Object sequence, int index, long now, Duration timeout) {
        String what = index < 0 ? "the sequence" : "sequences[" + index + "]";
        int steps = shape.takesTokens() ? check((int[]) sequence, what) : check((float[][]) sequence, what);
        long deadline = Request.NONE;
        if (timeout != null) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            deadline = now + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        }
        return new Request<>(sequence, steps, now, deadline, index, batcher);
    }

    /** Checks a request's steps: at least one, at most the maximum, the model's fixed steps if it has them. */
    private void checkSteps(int steps, String what) {
        if (steps == 0) {
            throw new IllegalArgumentException(what + " is empty: a prediction needs at least one step");
        }
        if (steps > maxSeq) {
            throw new IllegalArgumentException(what + " has " + steps
                    + " steps, more than this predictor's maximum sequence length " + maxSeq);
        }
        int fixed = shape.fixedSteps();
        if (fixed > 0 && steps != fixed) {
            throw new IllegalArgumentException(what + " has " + steps + " steps; the model was built for exactly "
                    + fixed);
        }
    }

    /** Checks a sequence of token ids; returns its steps. */
    private int check(int[] tokens, String what) {
        if (tokens == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        checkSteps(tokens.length, what);
        int count = shape.tokenCount();
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t] < 0 || tokens[t] >= count) {
                throw new IllegalArgumentException(what + "[" + t + "] = " + tokens[t] + " is not a token id of the"
                        + " model (its Embedding takes ids 0.." + (count - 1) + ")");
            }
        }
        return tokens.length;
    }

    /** Checks a request's shape and values; returns its steps. */
    private int check(float[][] sequence, String what) {
        if (sequence == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        int steps = sequence.length;
        checkSteps(steps, what);
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
     * Whether every value is finite: {@code v * 0} is a zero for a finite v and NaN for NaN or an
     * infinity, so the sum is a zero exactly when all are finite. A loop without a branch, faster on
     * a step of a few dozen values than a vectorized bit test, whose vector loop such a short step
     * never enters ({@code docs/performance-notes.md}).
     */
    private static boolean finite(float[] step) {
        float sum = 0f;
        for (float v : step) {
            sum += v * 0f;
        }
        return sum == 0f;
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
    private static final class BatchRequest<R> extends CompletableFuture<R[]> {
        final Request<R>[] parts;

        BatchRequest(Request<R>[] parts, IntFunction<R[]> array) {
            this.parts = parts;
            CompletableFuture.allOf(parts).whenComplete((ok, failure) -> {
                if (failure != null) {
                    completeExceptionally(failure instanceof CompletionException c && c.getCause() != null
                            ? c.getCause()
                            : failure);
                    return;
                }
                R[] results = array.apply(parts.length);
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
                for (Request<R> r : parts) {
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
        int running = batcher.running();
        // closed with nothing running: every session and staging buffer is freed
        long bytes = running == 0 && batcher.isClosed() ? 0 : scratchBytes;
        return stats.snapshot(batcher.queued(), running, bytes);
    }

    /** Input features per step; 1 when the model takes token ids. */
    public int inputSize() {
        return shape.features();
    }

    /** Outputs per sequence, or per step when {@link #perStep()}. */
    public int outputSize() {
        return shape.outputs();
    }

    /**
     * True when a request is token ids {@code int[steps]} (the model's input is an
     * {@code Embedding}): call the {@code int[]} forms; false for float features
     * {@code float[steps][features]}: the {@code float[][]} forms.
     */
    public boolean takesTokens() {
        return shape.takesTokens();
    }

    /**
     * True when a result is per step, {@code float[steps][outputs]} (call {@code predictSteps} and
     * {@code submitSteps}); false when it is one vector per sequence, {@code float[outputs]}
     * ({@code predict} and {@code submit}).
     */
    public boolean perStep() {
        return shape.perStep();
    }

    /** The steps every request must have (a model built for a fixed length), or 0 for any number. */
    public int fixedSteps() {
        return shape.fixedSteps();
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
