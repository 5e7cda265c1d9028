package io.attn4j.cli;

import static io.attn4j.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.cli.CliRun.Outcome;
import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attn4j run} and {@code inspect} on Keras files (testdata/keras, Keras' own predictions
 * beside each model): the founding example's per-step output, token ids, the layer table.
 */
class KerasCommandsTest {
    private static final Path CASES = Path.of("..", "testdata", "keras");

    private static String file(String name) {
        return CASES.resolve(name).toString();
    }

    /** Keras' values where the output mask keeps a step (0 elsewhere), at the Keras cases' tolerance. */
    private static void assertKeras(Path got, String name, Arena arena) throws IOException {
        Tensor y = Npy.read(got, arena), expected = Npy.read(CASES.resolve(name + ".expected.npy"), arena);
        assertArrayEquals(expected.shape(), y.shape());
        float[] e = expected.toFloatArray(), g = y.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], g[i], 1e-5f * Math.max(1, Math.abs(e[i])), name + " element " + i);
        }
    }

    @Test
    void runsTheFoundingExamplePerStep(@TempDir Path dir) throws IOException {
        for (String format : new String[]{".keras", ".h5"}) {
            Path output = dir.resolve("y" + format + ".npy");
            Outcome r = run("run", "--model", file("founding_per_step" + format), "--input",
                    file("founding_per_step.x.npy"), "--output", output.toString());
            assertEquals(0, r.code(), r.all());
            assertTrue(r.out().contains("output  (3, 9, 1) float32 (one prediction per step"), r.out());
            assertTrue(r.out().contains("Keras Functional"), r.out());
            try (Arena arena = Arena.ofConfined()) {
                assertKeras(output, "founding_per_step", arena);
            }
        }
    }

    @Test
    void runsTokenIds(@TempDir Path dir) throws IOException {
        Path output = dir.resolve("y.npy");
        Outcome r = run("run", "--model", file("mask_zero_tokens.keras"), "--input", file("mask_zero_tokens.x.npy"),
                "--output", output.toString());
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("(3, 7) token ids"), r.out());
        try (Arena arena = Arena.ofConfined()) {
            assertKeras(output, "mask_zero_tokens", arena);
        }
        Outcome floats = run("run", "--model", file("mask_zero_tokens.keras"), "--input",
                file("founding_per_step.x.npy"));
        assertEquals(1, floats.code(), floats.all());
        assertTrue(floats.err().contains("token ids"), floats.err());
    }

    @Test
    void inspectPrintsTheLayerGraph() {
        Outcome r = run("inspect", file("masking_per_step.keras"));
        assertEquals(0, r.code(), r.all());
        String out = r.out();
        assertTrue(out.contains("a Keras model"), out);
        assertTrue(out.contains("output: (batch, steps, 2)"), out);
        assertTrue(out.contains("(Masking)") && out.contains("(LSTM)") && out.contains("(Attention)"), out);
        assertTrue(out.contains("masked steps by compaction"), out);
        assertTrue(out.contains("kernel (8, 2), bias (2)"), out);
        Outcome pooled = run("inspect", file("merges_and_pooling.h5"));
        assertEquals(0, pooled.code(), pooled.all());
        assertTrue(pooled.out().contains("(GlobalMaxPooling1D)"), pooled.out());
    }

    /** A model with several inputs takes each by name, and its lengths per input. */
    @Test
    void runsAModelWithSeveralInputsByName(@TempDir Path dir) throws IOException {
        String n = "multi_head_cross_inputs";
        Path output = dir.resolve("y.npy");
        Outcome r = run("run", "--model", file(n + ".h5"), "--input", "memory=" + file(n + ".x.memory.npy"),
                "--input", "query=" + file(n + ".x.query.npy"), "--input",
                "cross_mask=" + file(n + ".x.cross_mask.npy"),
                "--lengths", "query=" + file(n + ".lengths.query.npy"), "--lengths",
                "memory=" + file(n + ".lengths.memory.npy"), "--output", output.toString());
        assertEquals(0, r.code(), r.all());
        assertTrue(
                r.out().contains("input   cross_mask=" + file(n + ".x.cross_mask.npy") + ": (3, 5, 7) attention mask"),
                r.out());
        try (Arena arena = Arena.ofConfined()) {
            Tensor y = Npy.read(output, arena), cut = Npy.read(CASES.resolve(n + ".cut.npy"), arena);
            float[] e = cut.toFloatArray(), g = y.toFloatArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], g[i], 1e-5f * Math.max(1, Math.abs(e[i])), n + " cut to lengths, element " + i);
            }
        }
        Outcome inspect = run("inspect", file(n + ".keras"));
        assertEquals(0, inspect.code(), inspect.all());
        assertTrue(inspect.out().contains("input 3: cross_mask: attention mask, bool (batch, steps of query, steps of"
                + " memory), true = attend"), inspect.out());
    }

    @Test
    void severalInputsAreRefusedUnlessEachIsNamed() {
        String n = "multi_head_attention_mask";
        String x = "x=" + file(n + ".x.x.npy"), mask = "mask=" + file(n + ".x.mask.npy");
        String[][] cases = {
                {"--input", file(n + ".x.x.npy")}, // unnamed
                {"--input", x}, // the mask missing
                {"--input", x, "--input", mask, "--input", "y=" + file(n + ".x.x.npy")},
                {"--input", x, "--input", mask, "--lengths", "mask=" + file(n + ".lengths.x.npy")},
                {"--input", x, "--input", mask, "--lengths", file(n + ".lengths.x.npy"), "--padding", "pre"}};
        String[] says = {"name each one, --input NAME=FILE", "no --input for mask", "the model has no input y",
                "an attention mask takes the lengths of the inputs whose steps it spans",
                "would misalign the model's inputs (x, mask)"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 3];
            args[0] = "run";
            args[1] = "--model";
            args[2] = file(n + ".keras");
            System.arraycopy(cases[i], 0, args, 3, cases[i].length);
            Outcome r = run(args);
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains(says[i]), r.err());
        }
    }

    @Test
    void anUnsupportedLayerIsOneMessage() {
        Outcome r = run("run", "--model", file("bad_unsupported_layer.keras"), "--input",
                file("founding_per_step.x.npy"));
        assertEquals(1, r.code(), r.all());
        assertTrue(r.err().contains("layer 'conv1d' (Conv1D): class Conv1D is not supported"), r.err());
    }
}
