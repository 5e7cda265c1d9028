package io.attn4j.model.keras;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.ReadmeBlocks;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Sequences;
import io.attn4j.model.Sequences.Batch;
import io.attn4j.model.Sequences.Options;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;
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

    private static Tensor severalInputs(SequenceModel model, Session session, Tensor x, Tensor mask, int[] lengths) {
        // @formatter:off
        // README begin several inputs
        System.out.println(model.inputs());   // [x: float32 (batch, steps, 6), mask: attention mask, bool (batch, steps of x, steps of x), ...]
        Tensor y = session.predict(Map.of("x", x, "mask", mask), // mask (n, T, T): true where step i may attend to step j
                Map.of("x", lengths));                            // lengths per sequence input; the mask follows x's
        // README end several inputs
        // @formatter:on
        return y;
    }

    /** The README's snippet for a model with an attention mask input predicts what Keras predicted, cut to lengths. */
    @Test
    void runsSeveralInputs() throws IOException {
        String name = "multi_head_attention_mask";
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"));
                Session session = model.newSession(4, 7)) {
            Map<String, Tensor> in = KerasCases.inputs(name, model, arena);
            int[] lengths = KerasCases.lengths(name, model, arena).get("x");
            Tensor y = severalInputs(model, session, in.get("x"), in.get("mask"), lengths);
            float[] cut = KerasCases.npy(name, ".cut.npy", arena).toFloatArray();
            boolean[] keep = KerasCases.npy(name, ".keep.npy", arena).toBooleanArray();
            for (int b = 0; b < 4; b++) {
                for (int t = lengths[b]; t < 7; t++) {
                    keep[b * 7 + t] = false;
                }
            }
            KerasCases.assertMatches(name + " README", cut, y.toFloatArray(), keep, 3);
        }
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
    void theReadmeShowsThisCode() {
        String readme = ReadmeBlocks.readme();
        String source = "src/test/java/io/attn4j/model/keras/ReadmeKerasExampleTest.java";
        int end = ReadmeBlocks.assertShows(readme,
                ReadmeBlocks.find(readme, "## Running a sequence model", "### From Keras"), source, "");
        ReadmeBlocks.assertShows(readme, end, source, " several inputs");
    }
}
