package io.attn4j.model;

/**
 * What a {@link Predictor} needs to know of a model: what one step of input is, what one
 * sequence's output is, and how to make the sessions that run it. Requests are checked against it
 * before they are queued, results are shaped by it, and {@link Predictor#swap} requires the new
 * model to match it.
 *
 * <p>Today every {@link SequenceModel} takes {@link InputKind#FEATURES} (float vectors) and gives
 * {@link OutputKind#POOLED} outputs; token-id inputs and per-step outputs are the two other
 * cases this type names, so that a model offering them only has to say so here.
 *
 * @param features floats per step for {@link InputKind#FEATURES}; 1 for tokens
 * @param outputs floats per sequence ({@link OutputKind#POOLED}) or per step ({@link OutputKind#PER_STEP})
 */
record ServedModel(SequenceModel model, InputKind input, int features, OutputKind output, int outputs) {

    /** What one step of a request is. */
    enum InputKind {
        /** {@code float[features]} per step: a request is {@code float[steps][features]}. */
        FEATURES,
        /** One token id per step: a request is {@code int[steps]}. */
        TOKENS
    }

    /** What one sequence's result is. */
    enum OutputKind {
        /** {@code float[outputs]}, the sequence pooled. */
        POOLED,
        /** {@code float[steps][outputs]}, one row per valid step. */
        PER_STEP
    }

    static ServedModel of(SequenceModel model) {
        return new ServedModel(model, InputKind.FEATURES, model.inputSize(), OutputKind.POOLED, model.outputSize());
    }

    /**
     * Whether requests checked for this model fit {@code other} and get results of the same shape.
     *
     * @throws IllegalArgumentException naming the difference
     */
    void requireCompatible(ServedModel other) {
        if (input != other.input || features != other.features || output != other.output
                || outputs != other.outputs) {
            throw new IllegalArgumentException("the new model takes " + other.describeShape() + ", this predictor's "
                    + describeShape() + ": requests and results must keep their shape across a swap");
        }
    }

    /** E.g. {@code "32 features per step and gives 1 output per sequence"}. */
    String describeShape() {
        String in = input == InputKind.FEATURES ? features + " features per step" : "token ids";
        String out = outputs + (outputs == 1 ? " output" : " outputs")
                + (output == OutputKind.POOLED ? " per sequence" : " per step");
        return in + " and gives " + out;
    }
}
