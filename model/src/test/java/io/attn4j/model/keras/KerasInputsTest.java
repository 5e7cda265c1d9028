package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.model.ModelInput;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Models with several inputs ({@link Session#predict(Map, Map)}): what the model says of its
 * inputs, lengths per input, attention masks of any integer or float type, rows independent of
 * their batch, and each wrong call refused naming the input.
 */
class KerasInputsTest {

    @Test
    void theModelSaysItsInputs() throws IOException {
        try (SequenceModel model = SequenceModel.load(KerasCases.file("multi_head_cross_inputs", ".h5"))) {
            List<ModelInput> in = model.inputs();
            assertEquals(List.of("query", "memory", "cross_mask"), in.stream().map(ModelInput::name).toList());
            assertEquals(ModelInput.Kind.ATTENTION_MASK, in.get(2).kind());
            assertEquals(DType.BOOL, in.get(2).dtype());
            assertArrayEquals(new long[]{-1, -1, -1}, in.get(2).shape());
            assertEquals("query", in.get(2).stepsOf());
            assertEquals("memory", in.get(2).keyStepsOf());
            assertArrayEquals(new long[]{-1, -1, 6}, in.get(1).shape());
            assertEquals(DType.F32, in.get(1).dtype());
            assertEquals(4, model.inputSize(), "the first input's features");
        }
    }

    /** A one-input model takes its input by name too, with the same result as the positional call. */
    @Test
    void aModelWithOneInputTakesItByName() throws IOException {
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(KerasCases.file("founding_per_step", ".keras"));
                Session session = model.newSession(3, 9)) {
            Tensor x = KerasCases.npy("founding_per_step", ".x.npy", arena);
            int[] lengths = {9, 5, 1};
            float[] positional = session.predict(x, lengths).toFloatArray();
            String name = model.inputs().getFirst().name();
            float[] named = session.predict(Map.of(name, x), Map.of(name, lengths)).toFloatArray();
            assertArrayEquals(positional, named);
        }
    }

    /** Keras casts an attention mask to bool: 0/1 as I8, I32, I64 or F32 gives the BOOL result exactly. */
    @Test
    void attentionMasksOfEveryTypeAgree() throws IOException {
        String name = "multi_head_attention_mask";
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"));
                Session session = model.newSession(4, 7)) {
            Map<String, Tensor> inputs = KerasCases.inputs(name, model, arena);
            float[] expected = session.predict(inputs, null).toFloatArray();
            boolean[] mask = inputs.get("mask").toBooleanArray();
            for (DType type : List.of(DType.I8, DType.I32, DType.I64, DType.F32)) {
                Tensor m = Tensor.allocate(arena, type, 4, 7, 7);
                for (int i = 0; i < mask.length; i++) {
                    int v = mask[i] ? (i % 3 == 0 ? 1 : -2) : 0; // any non-zero value attends
                    switch (type) {
                        case I8 -> m.segment().set(ValueLayout.JAVA_BYTE, i, (byte) v);
                        case I32 -> m.segment().setAtIndex(ValueLayout.JAVA_INT, i, v);
                        case I64 -> m.segment().setAtIndex(ValueLayout.JAVA_LONG, i, v);
                        default -> m.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
                    }
                }
                Map<String, Tensor> typed = new LinkedHashMap<>(inputs);
                typed.put("mask", m);
                assertArrayEquals(expected, session.predict(typed, null).toFloatArray(), type.name());
            }
        }
    }

    /**
     * Two inputs on one time axis (token ids and features, concatenated) take the same lengths,
     * given for one of them or for both.
     */
    @Test
    void inputsOfOneAxisShareTheirLengths() throws IOException {
        String name = "tokens_and_features";
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"));
                Session session = model.newSession(3, 6)) {
            Map<String, Tensor> inputs = KerasCases.inputs(name, model, arena);
            int[] lengths = {6, 4, 2};
            float[] both = session.predict(inputs, Map.of("ids", lengths, "features", lengths)).toFloatArray();
            assertArrayEquals(both, session.predict(inputs, Map.of("ids", lengths)).toFloatArray());
            assertArrayEquals(both, session.predict(inputs, Map.of("features", lengths)).toFloatArray());
            expectIae(() -> session.predict(inputs, Map.of("ids", lengths, "features", new int[]{6, 4, 3})),
                    "the lengths of input 'features' differ from those of input 'ids'");
            Tensor shorter = Tensor.allocate(arena, DType.F32, 3, 5, 3);
            Map<String, Tensor> ragged = new LinkedHashMap<>(inputs);
            ragged.put("features", shorter);
            expectIae(() -> session.predict(ragged, null), "input 'features' has 5 steps where input 'ids' has 6");
        }
    }

    /**
     * Cross-attention between a query and a memory of other steps: row b's result is bit for bit
     * the same whatever the other rows hold, under random lengths per input.
     */
    @Test
    void rowsOfACrossAttentionAreIndependentOfTheirBatch() throws IOException {
        try (SequenceModel model = SequenceModel.load(KerasCases.file("multi_head_cross_inputs", ".keras"))) {
            RandomTrials.run(4, rnd -> {
                int batch = 2 + rnd.nextInt(3), tq = 1 + rnd.nextInt(6), tk = 1 + rnd.nextInt(8);
                try (Arena arena = Arena.ofConfined();
                        Session session = model.newSession(batch, Math.max(tq, tk))) {
                    Map<String, Tensor> a = random(arena, rnd, batch, tq, tk);
                    Map<String, int[]> lengths = new LinkedHashMap<>();
                    lengths.put("query", randomLengths(rnd, batch, tq));
                    lengths.put("memory", randomLengths(rnd, batch, tk));
                    float[] all = session.predict(a, lengths).toFloatArray();
                    Map<String, Tensor> b = random(arena, rnd, batch, tq, tk);
                    int out = model.outputSize();
                    for (int row = 0; row < batch; row++) {
                        for (String n : a.keySet()) {
                            long bytes = a.get(n).size() * a.get(n).dtype().byteSize() / batch;
                            MemorySegment.copy(a.get(n).segment(), row * bytes, b.get(n).segment(), row * bytes, bytes);
                        }
                        float[] mixed = session.predict(b, lengths).toFloatArray();
                        assertArrayEquals(Arrays.copyOfRange(all, row * out, (row + 1) * out),
                                Arrays.copyOfRange(mixed, row * out, (row + 1) * out), "row " + row);
                    }
                }
            });
        }
    }

    @Test
    void wrongCallsAreRefusedNamingTheInput() throws IOException {
        String name = "multi_head_attention_mask";
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"));
                Session session = model.newSession(4, 7)) {
            Map<String, Tensor> inputs = KerasCases.inputs(name, model, arena);
            Tensor x = inputs.get("x"), mask = inputs.get("mask");
            expectIae(() -> session.predict(x, null), "the model has 2 inputs (x, mask): pass each one by name");
            expectIae(() -> session.predict(Map.of("x", x), null), "input 'mask' is missing: the model takes x, mask");
            expectIae(() -> session.predict(Map.of("x", x, "mask", mask, "extra", x), null),
                    "inputs ['extra'] are not inputs of the model");
            expectIae(() -> session.predict(inputs, Map.of("y", new int[]{1, 1, 1, 1})), "lengths for ['y']");
            expectIae(() -> session.predict(inputs, Map.of("mask", new int[]{1, 1, 1, 1})),
                    "an attention mask is cut by the lengths of the inputs whose steps it spans");
            expectIae(() -> session.predict(inputs, Map.of("x", new int[]{7, 7, 7, 8})),
                    "input 'x': lengths[3] = 8 out of range [1, 7]");
            expectIae(() -> session.predict(Map.of("x", x, "mask", Tensor.allocate(arena, DType.BOOL, 4, 7, 6)), null),
                    "input 'mask' has 6 steps where input 'x' has 7");
            expectIae(() -> session.predict(Map.of("x", x, "mask", Tensor.allocate(arena, DType.BOOL, 3, 7, 7)), null),
                    "input 'mask' has a batch of 3, input 'x' of 4");
            expectIae(() -> session.predict(Map.of("x", x, "mask", Tensor.allocate(arena, DType.BOOL, 4, 7)), null),
                    "input 'mask' must be an attention mask (batch, query steps, key steps)");
            expectIae(() -> session.predict(Map.of("x", mask, "mask", mask), null), "input 'x' must be F32");
            expectIae(() -> session.predict((Map<String, Tensor>) null, null), "inputs is null");
        }
    }

    private static Map<String, Tensor> random(Arena arena, java.util.SplittableRandom rnd, int batch, int tq, int tk) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("query", Tensor.allocate(arena, DType.F32, batch, tq, 4));
        in.put("memory", Tensor.allocate(arena, DType.F32, batch, tk, 6));
        in.put("cross_mask", Tensor.allocate(arena, DType.BOOL, batch, tq, tk));
        for (String n : List.of("query", "memory")) {
            for (long i = 0; i < in.get(n).size(); i++) {
                in.get(n).segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            }
        }
        for (long i = 0; i < in.get("cross_mask").size(); i++) {
            in.get("cross_mask").segment().set(ValueLayout.JAVA_BYTE, i, (byte) (rnd.nextInt(3) == 0 ? 0 : 1));
        }
        return in;
    }

    private static int[] randomLengths(java.util.SplittableRandom rnd, int batch, int steps) {
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = 1 + rnd.nextInt(steps);
        }
        return lengths;
    }

    private static void expectIae(Executable call, String part) {
        String m = assertThrows(IllegalArgumentException.class, call).getMessage();
        assertTrue(m.contains(part), "\"" + m + "\" lacks \"" + part + "\"");
    }
}
