package io.attn4j.model;

import java.util.concurrent.CompletableFuture;

/**
 * One sequence waiting for its prediction, and the future its caller holds: the request record
 * and the future are one object, the only heap allocation of a request besides its result array.
 *
 * <p>{@link #cancel} frees the request's queue slot at once; a request already taken into a batch
 * is computed, and its result dropped.
 *
 * @param <R> {@code float[]} for a pooled result, {@code float[][]} for a per-step result
 */
final class Request<R> extends CompletableFuture<R> {
    /** No deadline. */
    static final long NONE = Long.MAX_VALUE;

    /** {@code float[steps][features]} or, for a token model, {@code int[steps]}; checked already. */
    final Object input;
    final int steps;
    /** {@link System#nanoTime()} when the request was made. */
    final long created;
    /** {@link System#nanoTime()} past which the request must not start, or {@link #NONE}. */
    final long deadline;
    /** Where in the caller's batch this request is, for messages; -1 for a lone request. */
    final int index;
    private final Batcher batcher;
    /** {@link System#nanoTime()} when its batch started computing (before its deadline). */
    long started;
    /** Set by the batch that computed it, read by the thread that completes it. */
    Object result;
    /** Links the requests of a batch once its runner is back in the pool, for their completion. */
    Request<?> next;

    Request(Object input, int steps, long created, long deadline, int index, Batcher batcher) {
        this.input = input;
        this.steps = steps;
        this.created = created;
        this.deadline = deadline;
        this.index = index;
        this.batcher = batcher;
    }

    boolean expired(long now) {
        return deadline != NONE && now - deadline >= 0;
    }

    /** Completes with the result a batch stored. */
    @SuppressWarnings("unchecked")
    void completeWithResult() {
        Object r = result;
        result = null;
        complete((R) r);
    }

    /** Cancels and frees the queue slot; {@code mayInterruptIfRunning} has no effect (computing is not interrupted). */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            batcher.cancelled(this);
        }
        return cancelled;
    }
}
