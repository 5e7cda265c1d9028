package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.golden.GoldenCase;
import io.attn4j.engine.io.SafeTensorsWriter;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.Sequences.Batch;
import io.attn4j.model.Sequences.MissingValues;
import io.attn4j.model.Sequences.Options;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    void theReadmeShowsThisCode() throws IOException {
        Path module = Path.of(System.getProperty("user.dir"));
        String readme = Files.readString(module.resolveSibling("README.md"));
        List<String> source = Files
                .readAllLines(module.resolve("src/test/java/io/attn4j/model/ReadmeModelExampleTest.java"));
        List<String> body = source
                .subList(source.indexOf("        // README begin") + 1, source.indexOf("        // README end"))
                .stream().map(l -> l.length() >= 8 ? l.substring(8) : l).toList();
        int section = readme.indexOf("### From PyTorch", readme.indexOf("## Running a sequence model"));
        assertTrue(section >= 0, "README has no 'From PyTorch' part in 'Running a sequence model'");
        int start = readme.indexOf("```java\n", section) + 8;
        List<String> block = readme.substring(start, readme.indexOf("```", start)).lines().toList();
        assertEquals(String.join("\n", body), String.join("\n", block));
    }
}
