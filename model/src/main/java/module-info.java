/**
 * Whole sequence models (recurrent encoder, attention, pooling, dense head) loaded from files:
 * {@link io.attn4j.model.SequenceModel}, its per-thread {@link io.attn4j.model.Session}, and input
 * preparation ({@link io.attn4j.model.Sequences}), the {@link io.attn4j.model.Predictor} a service
 * shares across threads; Keras {@code .keras} and {@code .h5} files are read
 * into layer graphs (the internal packages {@code io.attn4j.model.keras} and
 * {@code io.attn4j.model.graph}).
 */
module io.attn4j.model {
    requires transitive io.attn4j.engine;
    requires transitive io.attn4j.cells;
    requires io.attn4j.attention;
    // Keras .keras and .h5 files (an automatic module)
    requires io.jhdf;
    // the Predictor's Flight Recorder events, the JIT's compilation time its warm-up watches, and the
    // machine's memory, its default scratch limit
    requires jdk.jfr;
    requires java.management;
    requires jdk.management;

    exports io.attn4j.model;
}
