package io.attn4j.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.testing.ReadmeBlocks;
import io.attn4j.model.Predictor;
import io.attn4j.model.SequenceModel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's Micrometer snippet (in "Serving") compiles, runs, and is what the README shows. */
class ReadmeMicrometerExampleTest {
    private static final Path MODULE = Path.of(System.getProperty("user.dir"));

    private static double example(Predictor predictor) {
        // @formatter:off
        // README begin
        MeterRegistry registry = new SimpleMeterRegistry();  // in a service: its own (Prometheus, OTLP, ...)
        new PredictorMeterBinder(predictor, "attn4j.predictor", Tags.of("model", "classifier")).bindTo(registry);
        double p99 = registry.get("attn4j.predictor.compute.percentile").tag("phi", "0.99").timeGauge().value();
        // README end
        // @formatter:on
        return p99;
    }

    @Test
    void runs() throws IOException {
        try (Predictor p = Predictor.builder(SequenceModel.load(MODULE.resolveSibling(
                "examples/classifier/model.safetensors"))).maxSequenceLength(10).build()) {
            p.predict(new float[10][p.inputSize()]);
            double p99 = example(p);
            assertEquals(p.metrics().compute().p99().toNanos() / 1e9, p99, 1e-15);
            assertTrue(p99 > 0, "one batch ran: " + p.metrics());
        }
    }

    @Test
    void theReadmeShowsThisCode() {
        String readme = ReadmeBlocks.readme();
        ReadmeBlocks.assertShows(readme, ReadmeBlocks.find(readme, "## Serving", "attn4j-micrometer"),
                "src/test/java/io/attn4j/micrometer/ReadmeMicrometerExampleTest.java", "");
    }
}
