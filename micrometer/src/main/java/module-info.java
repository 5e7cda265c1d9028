/**
 * Optional: publishes a {@link io.attn4j.model.Predictor}'s metrics to a Micrometer
 * {@code MeterRegistry} through {@link io.attn4j.micrometer.PredictorMeterBinder}. A module of its
 * own, so that the model module, and every user without Micrometer, never sees Micrometer.
 */
// Micrometer's jar is an automatic module; its API takes and implements Micrometer's types, so a
// user of this module reads Micrometer too.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) module io.attn4j.micrometer {
    requires transitive io.attn4j.model;
    requires transitive micrometer.core;

    exports io.attn4j.micrometer;
}
