package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Weights that do not fit the config are named with both shapes; bad calls are rejected; closed means closed. */
class SequenceModelErrorsTest {
    private static final String ADDITIVE = SequenceModelPropertiesTest.config(
            "\"cell\": \"lstm\", \"prefix\": \"lstm.\"",
            "{\"kind\": \"self\", \"score\": \"additive\", \"prefix\": \"att.\"}", "mean",
            "\"head\": [{\"weight\": \"h.weight\", \"bias\": \"h.bias\", \"activation\": \"relu\"},"
                    + " {\"weight\": \"fc.weight\", \"bias\": \"fc.bias\", \"activation\": \"sigmoid\"}]");

    private static Fixture fixture(Arena arena) {
        return new Fixture(ADDITIVE, 1, new SplittableRandom(5), arena);
    }

    private static String buildError(Map<String, Tensor> tensors, ModelConfig config) {
        return assertThrows(IllegalArgumentException.class, () -> SequenceModel.build(config, WeightSource.of(tensors)))
                .getMessage();
    }

    @Test
    void eachWeightProblemNamesTheTensorAndBothShapes() {
        try (Arena arena = Arena.ofConfined()) {
            Fixture f = fixture(arena);
            int in = f.config.inputSize(), h = f.config.encoder().hiddenSize();
            Map<String, Tensor> w = new HashMap<>(f.tensors);
            w.remove("lstm.bias_hh_l0");
            assertEquals("missing weight tensor 'lstm.bias_hh_l0' (encoder, expected shape [" + 4 * h + "])",
                    buildError(w, f.config));

            w = new HashMap<>(f.tensors);
            w.put("lstm.weight_ih_l0", Tensor.allocate(arena, DType.F32, 4L * h, in + 1));
            assertEquals("weight tensor 'lstm.weight_ih_l0' (encoder) has shape [" + 4 * h + ", " + (in + 1)
                    + "], expected ["
                    + 4 * h + ", " + in + "]", buildError(w, f.config));

            w = new HashMap<>(f.tensors);
            long a = f.shapes.get("att.W1.weight")[0];
            w.put("att.W2.weight", Tensor.allocate(arena, DType.F32, a + 1, h));
            assertEquals(
                    "weight tensor 'att.W2.weight' (attention) has shape [" + (a + 1) + ", " + h + "], expected [" + a
                            + ", " + h + "]",
                    buildError(w, f.config));

            // the first head layer decides its width; the second must then read that many inputs
            long width = f.shapes.get("h.weight")[0];
            w = new HashMap<>(f.tensors);
            w.put("fc.weight", Tensor.allocate(arena, DType.F32, 1, width + 2));
            assertEquals("weight tensor 'fc.weight' (head[1].weight) has shape [1, " + (width + 2) + "], expected [*, "
                    + width
                    + "]", buildError(w, f.config));

            w = new HashMap<>(f.tensors);
            w.put("h.bias", Tensor.allocate(arena, DType.F32, width, 1));
            assertEquals("weight tensor 'h.bias' (head[0].bias) has shape [" + width + ", 1], expected [" + width + "]",
                    buildError(w, f.config));

            w = new HashMap<>(f.tensors);
            w.put("fc.bias", Tensor.allocate(arena, DType.I8, f.shapes.get("fc.bias")));
            assertEquals("weight tensor 'fc.bias' is I8, expected F32", buildError(w, f.config));
        }
    }

    @Test
    void badCallsAreRejectedAndNothingIsWritten() {
        try (Arena arena = Arena.ofConfined()) {
            Fixture f = fixture(arena);
            int in = f.config.inputSize();
            try (SequenceModel model = f.build(); Session s = model.newSession(2, 5)) {
                Tensor x = f.input(new SplittableRandom(1), 2, 5, new int[]{5, 5}, 0f);
                float[] before = s.predict(x, new int[]{5, 2}).toFloatArray();
                // a config model's one input is "x", by name as well
                assertEquals("x", model.inputs().getFirst().name());
                assertArrayEquals(before, s.predict(Map.of("x", x), Map.of("x", new int[]{5, 2})).toFloatArray());
                expectIae(() -> s.predict(Map.of("y", x), null), "input 'x' is missing");
                expectIae(() -> s.predict((Tensor) null, null), "x is null");
                expectIae(() -> s.predict(Tensor.allocate(arena, DType.F32, 2, 5, in + 1), null),
                        "x must be F32 (batch, seq, " + in + ")");
                expectIae(() -> s.predict(Tensor.allocate(arena, DType.F32, 3, 5, in), null), "this session's limits");
                expectIae(() -> s.predict(Tensor.allocate(arena, DType.F32, 2, 6, in), null), "this session's limits");
                expectIae(() -> s.predict(x, new int[]{5}), "1 lengths for a batch of 2");
                expectIae(() -> s.predict(x, new int[]{5, 0}), "lengths[1] = 0 out of range [1, 5]");
                expectIae(() -> s.predict(x, new int[]{6, 1}), "lengths[0] = 6 out of range [1, 5]");
                expectIae(() -> s.predict(x.transpose(0, 1), null), "x");
                assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(s.output().toFloatArray()),
                        "a rejected call changed the last output");
                expectIae(() -> model.newSession(0, 5), "maxBatch and maxSeq must be >= 1");
                expectIae(() -> model.predict(new float[][][]{{{1}}, {}}), "sequences[1] is empty");
                expectIae(() -> model.predict(new float[][][]{{new float[in + 1]}}),
                        "sequences[0][0] has " + (in + 1) + " features");
                expectIae(() -> model.predict(new float[][][]{{new float[in]}, {new float[in], new float[in]}}, null),
                        "batch[1] has 2 steps, batch[0] has 1");
            }
        }
    }

    @Test
    void everyCallAfterCloseIsAnIllegalStateException() {
        try (Arena arena = Arena.ofConfined()) {
            Fixture f = fixture(arena);
            Tensor x = f.input(new SplittableRandom(1), 1, 3, new int[]{3}, 0f);
            SequenceModel model = f.build();
            Session open = model.newSession(1, 3);
            Session closed = model.newSession(1, 3);
            closed.predict(x, null);
            closed.close();
            closed.close(); // idempotent
            expectIse(() -> closed.predict(x, null), "the session is closed");
            expectIse(closed::output, "the session is closed");
            expectIse(open::pooled, "no call has run on this session yet");
            open.predict(x, null);
            model.close();
            model.close();
            expectIse(() -> open.predict(x, null), "the sequence model is closed");
            expectIse(open::logits, "the sequence model is closed");
            expectIse(() -> model.newSession(1, 3), "the sequence model is closed");
            expectIse(() -> model.predict(new float[][][]{{{1}}}), "the sequence model is closed");
            expectIse(() -> model.predict(new float[][][]{{{1}}}, null), "the sequence model is closed");
            open.close();
        }
    }

    private static void expectIae(Executable call, String part) {
        String m = assertThrows(IllegalArgumentException.class, call).getMessage();
        assertTrue(m.contains(part), "\"" + m + "\" lacks \"" + part + "\"");
    }

    private static void expectIse(Executable call, String part) {
        String m = assertThrows(IllegalStateException.class, call).getMessage();
        assertTrue(m.contains(part), "\"" + m + "\" lacks \"" + part + "\"");
    }
}
