package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.golden.GoldenCase;
import io.attn4j.engine.golden.GoldenCases;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed classifier (golden {@code seed_model}: LSTM(32 -> 64) -> scaled-dot self-attention with
 * the padding mask -> masked mean -> Linear(64, 1) -> sigmoid), built from the case's weights and
 * the example config of the config contract, reproduces every named intermediate of PyTorch at
 * {@code 1e-5 * max(1, max|expected|)}. Query rows at padded steps are compared too: the case's
 * notes say PyTorch computes them (zero encoder output, so uniform weights over the valid keys and
 * a context equal to the mean of the valid steps), and the model computes them the same way.
 */
class SeedModelGoldenTest {

    static String exampleConfig() throws IOException {
        try (InputStream in = SeedModelGoldenTest.class.getResourceAsStream("config.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The case's weight tensors (everything not {@code input.*} or {@code expected.*}). */
    static Map<String, Tensor> weights(GoldenCase c, Arena arena) {
        Map<String, Tensor> w = new LinkedHashMap<>();
        for (String name : c.entries().keySet()) {
            if (!name.startsWith("input.") && !name.startsWith("expected.")) {
                w.put(name, c.f32(arena, name));
            }
        }
        return w;
    }

    static GoldenCase seedCase() throws IOException {
        return GoldenCase.read(GoldenCases.directory().resolve("cases/seed_model.safetensors"));
    }

    @Test
    void reproducesEveryIntermediateOfPyTorch() throws IOException {
        GoldenCase c = seedCase();
        ModelConfig config = ModelConfig.parse(exampleConfig(), "config.json");
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.build(config, WeightSource.of(weights(c, arena)));
                Session session = model.newSession(4, 20, true)) {
            assertEquals("LSTM(32 -> 64, 1 layer) -> scaled-dot self-attention (padding mask) -> masked mean"
                    + " -> Linear(64 -> 1) + sigmoid", model.describe());
            Tensor x = c.f32(arena, "input.x");
            int[] lengths = ints(c.i64("input.lengths"));
            Tensor out = session.predict(x, lengths);
            checkEveryIntermediate(c, session);
            check(c, "expected.prob", out);

            // The fused path (weights not kept) and the allocating convenience give the same output.
            try (Session fused = model.newSession(4, 20)) {
                check(c, "expected.prob", fused.predict(x, lengths));
            }
            float[] prob = c.f32("expected.prob");
            float[][] rows = model.predict(toArrays(x, lengths));
            for (int b = 0; b < rows.length; b++) {
                assertEquals(prob[b], rows[b][0], 1e-5f, "convenience predict, sequence " + b);
            }
        }
    }

    @Test
    void loadsFromTheGoldenFileWithAConfigBesideIt(@TempDir Path dir) throws IOException {
        // What a user does with a PyTorch file that has no attn4j metadata: put config.json beside it.
        Path weights = Files.copy(GoldenCases.directory().resolve("cases/seed_model.safetensors"),
                dir.resolve("seed.safetensors"));
        Files.writeString(dir.resolve("config.json"), exampleConfig());
        GoldenCase c = seedCase();
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(weights);
                Session session = model.newSession(4, 20, true)) {
            Tensor out = session.predict(c.f32(arena, "input.x"), ints(c.i64("input.lengths")));
            checkEveryIntermediate(c, session);
            check(c, "expected.prob", out);
        }
    }

    /** The session's intermediates of its last call against the case's named PyTorch tensors. */
    private static void checkEveryIntermediate(GoldenCase c, Session session) {
        check(c, "expected.lstm_out", session.encoderOutput());
        check(c, "expected.attn_weights", session.attentionWeights());
        check(c, "expected.context", session.context());
        check(c, "expected.pooled", session.pooled());
        check(c, "expected.logits", session.logits());
        check(c, "expected.prob", session.output());
    }

    /** {@code max|got - expected| <= 1e-5 * max(1, max|expected|)}, the golden README's rule. */
    static void check(GoldenCase c, String name, Tensor got) {
        float[] want = c.f32(name);
        assertEquals(java.util.Arrays.toString(c.shape(name)), java.util.Arrays.toString(got.shape()), name + " shape");
        float[] have = got.toFloatArray();
        double scale = 1;
        for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs((double) have[i] - want[i]);
            if (!(err <= worst)) {
                worst = err;
                at = i;
            }
        }
        assertTrue(worst <= 1e-5 * scale, name + ": max error " + worst + " at flat index " + at + " (got "
                + (at < 0 ? "" : have[at]) + ", expected " + (at < 0 ? "" : want[at]) + "), allowed " + 1e-5 * scale);
    }

    static int[] ints(long[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(values[i]);
        }
        return out;
    }

    /** The valid steps of each sequence of a padded batch, as the variable-length convenience takes them. */
    static float[][][] toArrays(Tensor x, int[] lengths) {
        int in = (int) x.dim(2);
        float[][][] out = new float[lengths.length][][];
        for (int b = 0; b < lengths.length; b++) {
            out[b] = new float[lengths[b]][in];
            for (int t = 0; t < lengths[b]; t++) {
                for (int f = 0; f < in; f++) {
                    out[b][t][f] = x.get(b, t, f);
                }
            }
        }
        return out;
    }
}
