/**
 * Whole sequence models (recurrent encoder, attention, pooling, dense head) loaded from files:
 * {@link io.attn4j.model.SequenceModel}, its per-thread {@link io.attn4j.model.Session}, and input
 * preparation ({@link io.attn4j.model.Sequences}).
 */
module io.attn4j.model {
    requires transitive io.attn4j.engine;
    requires transitive io.attn4j.cells;
    requires io.attn4j.attention;

    exports io.attn4j.model;
}
