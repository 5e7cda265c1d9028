package io.attn4j.model;

import java.io.Serial;

/**
 * A request's deadline passed while it waited in a {@link Predictor}'s queue: it was not computed.
 * (A request whose batch has started is computed and completes normally, even if its deadline
 * passes during the batch.)
 */
public final class PredictionTimeoutException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    PredictionTimeoutException(String message) {
        super(message);
    }
}
