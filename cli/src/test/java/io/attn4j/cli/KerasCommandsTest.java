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

    @Test
    void anUnsupportedLayerIsOneMessage() {
        Outcome r = run("run", "--model", file("bad_unsupported_layer.keras"), "--input",
                file("founding_per_step.x.npy"));
        assertEquals(1, r.code(), r.all());
        assertTrue(r.err().contains("layer 'conv1d' (Conv1D): class Conv1D is not supported"), r.err());
    }
}
