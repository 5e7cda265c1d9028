package io.attn4j.model;

import java.io.Serial;

/** A weight tensor that does not fit the model: missing, of the wrong shape, or unreadable as F32. */
final class WeightException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The tensor to blame. */
    final String tensor;

    WeightException(String tensor, String message) {
        super(message);
        this.tensor = tensor;
    }

    WeightException(String tensor, String message, Throwable cause) {
        super(message, cause);
        this.tensor = tensor;
    }
}
