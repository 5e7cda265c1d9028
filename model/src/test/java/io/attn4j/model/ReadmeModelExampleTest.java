package io.attn4j.model;

import io.attn4j.engine.golden.GoldenCase;
import io.attn4j.engine.io.SafeTensorsWriter;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.ReadmeBlocks;
import io.attn4j.model.Sequences.Batch;
import io.attn4j.model.Sequences.MissingValues;
import io.attn4j.model.Sequences.Options;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Running a sequence model" Java example compiles, runs on the seed model, and is what
 * the README shows (its results are checked against PyTorch by {@link SequenceModelLoadTest}).
 */
class ReadmeModelExampleTest {
    @TempDir
    Path dir;

    private static void example(Path weightsFile, float[][][] sequences) throws IOException {
        // @formatter:off
        // README begin
        try (Arena arena = Arena.ofConfined();
             SequenceModel model = SequenceModel.load(weightsFile);   // config from the file's metadata or config.json
             Session session = model.newSession(256, 100)) {         // one per thread: up to 256 sequences of 100 steps
            System.out.println(model.describe());
            float[][] simple = model.predict(sequences);              // [n][steps_i][32], any lengths; allocates per call
            Batch batch = Sequences.batch(sequences, Options.defaults().maxLen(100).missing(MissingValues.ZERO), arena);
            Tensor probs = session.predict(batch.x(), batch.lengths()); // (n, 1), valid until the session's next call
            System.out.println(simple[0][0] + " = " + probs.get(0, 0));
        }
        // README end
        // @formatter:on
    }

    @Test
    void runs() throws IOException {
        GoldenCase c = SeedModelGoldenTest.seedCase();
        Path weights = dir.resolve("classifier.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            SafeTensorsWriter.write(weights, SeedModelGoldenTest.weights(c, arena),
                    Map.of("attn4j.config", SeedModelGoldenTest.exampleConfig()));
            Tensor x = c.f32(arena, "input.x");
            example(weights, SeedModelGoldenTest.toArrays(x, SeedModelGoldenTest.ints(c.i64("input.lengths"))));
        }
    }

    @Test
    void theReadmeShowsThisCode() {
        String readme = ReadmeBlocks.readme();
        ReadmeBlocks.assertShows(readme, ReadmeBlocks.find(readme, "## Running a sequence model", "### From PyTorch"),
                "src/test/java/io/attn4j/model/ReadmeModelExampleTest.java", "");
    }
}
