package io.attn4j.model;

import java.io.Serial;

/**
 * The batch a request ran in failed with an unexpected error (its cause), which fails every request
 * of that batch. Requests are checked before they are queued, so a bad input never does this; the
 * predictor replaces the sessions the batch ran on and goes on serving.
 */
public final class PredictionFailedException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    PredictionFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
