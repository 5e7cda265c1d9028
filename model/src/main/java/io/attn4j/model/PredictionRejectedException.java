package io.attn4j.model;

import java.io.Serial;
import java.util.concurrent.RejectedExecutionException;

/**
 * Thrown at once by {@link Predictor#submit} and {@link Predictor#predict} when the predictor's
 * queue is full: the offered load is above what it serves, and queueing more would only grow the
 * wait (and the memory). Nothing was queued; retrying later, or elsewhere, is the caller's choice.
 */
public final class PredictionRejectedException extends RejectedExecutionException {
    @Serial
    private static final long serialVersionUID = 1L;

    PredictionRejectedException(String message) {
        super(message);
    }
}
