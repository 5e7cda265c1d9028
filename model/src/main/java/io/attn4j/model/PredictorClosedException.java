package io.attn4j.model;

import java.io.Serial;

/**
 * A {@link Predictor} was closed: thrown by a call made after {@link Predictor#close()} began, and
 * the failure of every request still waiting in the queue when it began (their futures complete
 * exceptionally with it). Batches already running when it began finish normally.
 */
public final class PredictorClosedException extends IllegalStateException {
    @Serial
    private static final long serialVersionUID = 1L;

    PredictorClosedException(String message) {
        super(message);
    }
}
