package io.attn4j.model;

import io.attn4j.engine.tensor.DType;

/**
 * One input of a {@link SequenceModel}, as a caller passes it to
 * {@link Session#predict(java.util.Map, java.util.Map)}: its name, what it holds and its shape.
 *
 * <p>Steps: every sequence input has steps of its own ({@code T}, per call), unless the model
 * makes the steps of two inputs equal (a merge of the two, or an attention mask and the query it
 * masks); {@link #stepsOf()} names the input whose steps an input's rows must have (the input
 * itself when none other), {@link #keyStepsOf()} those of an attention mask's columns.
 *
 * @param name the input's name: a Keras {@code Input}'s name, {@code "x"} for a model built from a
 *        {@link ModelConfig}
 * @param kind what it holds
 * @param features features per step for {@link Kind#FEATURES}, 1 for the others
 * @param steps the steps the model was built for along the rows (a Keras {@code Input((T, F))}),
 *        or 0 for any
 * @param keySteps for {@link Kind#ATTENTION_MASK}, the steps the model was built for along the
 *        columns, or 0 for any; 0 for the others
 * @param stepsOf the input whose steps the rows follow
 * @param keyStepsOf for {@link Kind#ATTENTION_MASK}, the input whose steps the columns follow;
 *        null for the others
 */
public record ModelInput(String name, Kind kind, int features, int steps, int keySteps, String stepsOf,
        String keyStepsOf) {

    /** What an input holds. */
    public enum Kind {
        /** Float features {@code (B, T, features)}, F32. */
        FEATURES,
        /** Token ids {@code (B, T)}, I32 or I64 (a Keras {@code Embedding} input). */
        TOKENS,
        /**
         * A Keras {@code attention_mask} {@code (B, Tq, Tk)}: true where query step i may attend to key
         * step j; BOOL (I8, I32, I64 and F32 are read as non-zero = true).
         */
        ATTENTION_MASK
    }

    /** The element type the model declares: F32 features, I32 token ids (I64 accepted too), BOOL masks. */
    public DType dtype() {
        return switch (kind) {
            case FEATURES -> DType.F32;
            case TOKENS -> DType.I32;
            case ATTENTION_MASK -> DType.BOOL;
        };
    }

    /** The shape, -1 where any size goes (the batch always; steps the model does not fix). */
    public long[] shape() {
        long t = steps > 0 ? steps : -1;
        return switch (kind) {
            case FEATURES -> new long[]{-1, t, features};
            case TOKENS -> new long[]{-1, t};
            case ATTENTION_MASK -> new long[]{-1, t, keySteps > 0 ? keySteps : -1};
        };
    }

    /**
     * The input as a line, e.g. {@code x: float32 (batch, steps, 8)},
     * {@code ids: token ids, int32 or int64 (batch, steps of x)} or
     * {@code mask: attention mask, bool (batch, steps of query, steps of memory), true = attend}.
     */
    @Override
    public String toString() {
        String rows = steps(steps, stepsOf);
        return name + ": " + switch (kind) {
            case FEATURES -> "float32 (batch, " + rows + ", " + features + ")";
            case TOKENS -> "token ids, int32 or int64 (batch, " + rows + ")";
            case ATTENTION_MASK -> "attention mask, bool (batch, " + rows + ", " + steps(keySteps, keyStepsOf)
                    + "), true = attend";
        };
    }

    private String steps(int fixed, String of) {
        if (fixed > 0) {
            return Integer.toString(fixed);
        }
        return of.equals(name) ? "steps" : "steps of " + of;
    }
}
