package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Sequences;
import io.attn4j.model.Sequences.Batch;
import io.attn4j.model.Sequences.Options;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's Keras example compiles, runs on the founding example saved by Keras (both formats),
 * and is what the README shows; its numbers are checked against Keras by {@link KerasCasesTest}.
 */
class ReadmeKerasExampleTest {

    private static void example(Path modelFile, float[][][] sequences) throws IOException {
        // @formatter:off
        // README begin
        try (Arena arena = Arena.ofConfined();
             SequenceModel model = SequenceModel.load(modelFile);      // model.keras or model.h5
             Session session = model.newSession(64, 100)) {           // one per thread: up to 64 sequences of 100 steps
            System.out.println(model.describe());                     // the layers, and the output: per step here
            Batch batch = Sequences.batch(sequences, Options.defaults().maxLen(100), arena); // [n][steps_i][features]
            Tensor probs = session.predict(batch.x(), batch.lengths()); // (n, 100, 1): 0 past each length
            System.out.println(probs.get(0, 0, 0));
        }
        // README end
        // @formatter:on
    }

    @Test
    void runs() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Npy.read(KerasCases.file("founding_per_step", ".x.npy"), arena);
            float[][][] sequences = new float[(int) x.dim(0)][(int) x.dim(1)][(int) x.dim(2)];
            for (int b = 0; b < sequences.length; b++) {
                for (int t = 0; t < sequences[b].length; t++) {
                    for (int f = 0; f < sequences[b][t].length; f++) {
                        sequences[b][t][f] = x.get(b, t, f);
                    }
                }
            }
            example(KerasCases.file("founding_per_step", ".keras"), sequences);
            example(KerasCases.file("founding_per_step", ".h5"), sequences);
        }
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        Path module = Path.of(System.getProperty("user.dir"));
        String readme = Files.readString(module.resolveSibling("README.md"));
        List<String> source = Files
                .readAllLines(module.resolve("src/test/java/io/attn4j/model/keras/ReadmeKerasExampleTest.java"));
        List<String> body = source
                .subList(source.indexOf("        // README begin") + 1, source.indexOf("        // README end"))
                .stream().map(l -> l.length() >= 8 ? l.substring(8) : l).toList();
        int section = readme.indexOf("### From Keras", readme.indexOf("## Running a sequence model"));
        assertTrue(section >= 0, "README has no 'From Keras' part in 'Running a sequence model'");
        int start = readme.indexOf("```java\n", section) + 8;
        List<String> block = readme.substring(start, readme.indexOf("```", start)).lines().toList();
        assertEquals(String.join("\n", body), String.join("\n", block));
    }
}
