package io.attn4j.model;

/**
 * What a {@link Predictor} needs to know of a model: what one step of input is, what one
 * sequence's output is, and how to make the sessions that run it. Requests are checked against it
 * before they are queued, results are shaped by it, and {@link Predictor#swap} requires the new
 * model to match it.
 *
 * <p>A model built from a {@link ModelConfig} takes {@link InputKind#FEATURES} (float vectors) and
 * gives {@link OutputKind#POOLED} outputs; a Keras model with one input takes features or
 * {@link InputKind#TOKENS} (an {@code Embedding} input) and gives pooled or
 * {@link OutputKind#PER_STEP} outputs, for any number of steps or the {@code fixedSteps} it was
 * built for. A Keras model with several inputs is not served.
 *
 * @param features floats per step for {@link InputKind#FEATURES}; 1 for tokens
 * @param outputs floats per sequence ({@link OutputKind#POOLED}) or per step ({@link OutputKind#PER_STEP})
 * @param fixedSteps the steps every request must have, or 0 for any number
 * @param tokenCount for {@link InputKind#TOKENS}, the ids the model takes: {@code [0, tokenCount)}; else 0
 */
record ServedModel(SequenceModel model, InputKind input, int features, OutputKind output, int outputs,
        int fixedSteps, int tokenCount) {

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
     * @throws IllegalArgumentException for a model with several inputs (naming them): a request
     *         is one sequence
     */
    static ServedModel of(SequenceModel model) {
        if (model.inputs().size() != 1) {
            StringBuilder names = new StringBuilder();
            for (ModelInput in : model.inputs()) {
                names.append(names.isEmpty() ? "" : ", ").append(in.name());
            }
            throw new IllegalArgumentException("a Predictor serves models of one input; this model takes "
                    + model.inputs().size() + " (" + names + "): give each thread a Session and call"
                    + " Session.predict(Map, Map)");
        }
        InputKind input = model.takesTokens() ? InputKind.TOKENS : InputKind.FEATURES;
        OutputKind output = model.perStep() ? OutputKind.PER_STEP : OutputKind.POOLED;
        int tokens = input == InputKind.TOKENS ? model.graph.tokenCount() : 0;
        return new ServedModel(model, input, input == InputKind.TOKENS ? 1 : model.inputSize(), output,
                model.outputSize(), model.fixedSteps(), tokens);
    }

    boolean takesTokens() {
        return input == InputKind.TOKENS;
    }

    boolean perStep() {
        return output == OutputKind.PER_STEP;
    }

    /**
     * Whether requests checked for this model fit {@code other} and get results of the same shape.
     *
     * @throws IllegalArgumentException naming the difference
     */
    void requireCompatible(ServedModel other) {
        if (input != other.input || features != other.features || output != other.output
                || outputs != other.outputs || fixedSteps != other.fixedSteps || tokenCount != other.tokenCount) {
            throw new IllegalArgumentException("the new model takes " + other.describeShape() + ", this predictor's "
                    + describeShape() + ": requests and results must keep their shape across a swap");
        }
    }

    /**
     * E.g. {@code "32 features per step and gives 1 output per sequence"} or
     * {@code "token ids 0..99, 5 steps, and gives 4 outputs per step"}.
     */
    String describeShape() {
        String in = input == InputKind.FEATURES ? features + " features per step" : "token ids 0.." + (tokenCount - 1);
        if (fixedSteps > 0) {
            in += ", " + fixedSteps + " steps,";
        }
        String out = outputs + (outputs == 1 ? " output" : " outputs")
                + (output == OutputKind.POOLED ? " per sequence" : " per step");
        return in + " and gives " + out;
    }
}
