package io.attn4j.model;

/**
 * What a {@link Predictor} needs to know of a model: what one step of input is, what one
 * sequence's output is, and how to make the sessions that run it. Requests are checked against it
 * before they are queued, results are shaped by it, and {@link Predictor#swap} requires the new
 * model to match it.
 *
 * <p>The models a Predictor serves today (built from a {@link ModelConfig}) take
 * {@link InputKind#FEATURES} (float vectors) and give {@link OutputKind#POOLED} outputs; token-id
 * inputs and per-step outputs (Keras models) are the two other cases this type names: requests of
 * those kinds and their staging are what serving them adds.
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

    /**
     * The served shape of {@code model}.
     *
     * @throws IllegalArgumentException for a Keras layer-graph model: its sessions' memory is not
     *         computed ahead and its rows are not shown independent of the padded length, the two
     *         things batching relies on
     */
    static ServedModel of(SequenceModel model) {
        if (model.graph != null) {
            throw new IllegalArgumentException("a Predictor does not serve Keras layer-graph models yet (their"
                    + " sessions' memory is not computed ahead, and a row's bits are not shown independent of the"
                    + " batch's padded length): build the model from its weights and a ModelConfig, or give each"
                    + " thread a Session");
        }
        InputKind input = model.takesTokens() ? InputKind.TOKENS : InputKind.FEATURES;
        OutputKind output = model.perStep() ? OutputKind.PER_STEP : OutputKind.POOLED;
        return new ServedModel(model, input, input == InputKind.TOKENS ? 1 : model.inputSize(), output,
                model.outputSize());
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
