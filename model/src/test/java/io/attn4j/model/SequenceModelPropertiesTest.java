package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every config variant (each cell, stacked and bidirectional encoders, Keras layouts, each
 * attention kind and score, each pooling, multi-layer heads with each activation) against
 * {@link DoubleModel} on random small shapes and lengths, plus the invariants: padding content
 * never changes the output, batch rows equal single runs bit for bit, a session reused across shapes gives
 * the same bits, threads sharing one model agree with one thread.
 */
class SequenceModelPropertiesTest {
    /**
     * Tolerance, relative to max(1, max|reference|): with weights in +-1/sqrt(n) and inputs in +-1,
     * each dot of n <= 10 terms is within n * eps * sum|a b| <= n^1.5 * eps ~ 2e-6 (eps = 2^-24), the
     * activations are 1-Lipschitz, and no path through the model crosses more than ~20 such stages
     * (9 recurrent steps x 2 layers + attention + head) with gains near 1: 1e-4 leaves room for
     * the few-ulp exp/tanh/sigmoid of the vector kernels.
     */
    static final double TOLERANCE = 1e-4;

    private static final String HEAD = "\"head\": [{\"weight\": \"fc.weight\", \"bias\": \"fc.bias\", \"activation\": \"sigmoid\"}]";

    static String config(String encoder, String attention, String pooling, String head) {
        return "{\"format\": \"attn4j.sequence-model\", \"version\": 1, \"input_size\": $IN, \"encoder\": {" + encoder
                + ", \"hidden_size\": $H}, \"attention\": " + attention + ", \"pooling\": \"" + pooling + "\", " + head
                + "}";
    }

    static Stream<Arguments> variants() {
        List<Arguments> v = new ArrayList<>();
        String none = "null";
        String self = "{\"kind\": \"self\", \"score\": \"scaled_dot\"}";
        // every cell, with each pooling in turn
        String[] poolings = {"mean", "last", "max"};
        String[] cells = {"rnn_tanh", "rnn_relu", "lstm", "gru"};
        for (int i = 0; i < cells.length; i++) {
            v.add(arguments("\"cell\": \"" + cells[i] + "\", \"prefix\": \"enc.\"", none, poolings[i % 3], HEAD, 1));
            v.add(arguments("\"cell\": \"" + cells[i] + "\"", self, poolings[(i + 1) % 3], HEAD, 1));
        }
        // stacked, bidirectional, Keras layouts
        v.add(arguments("\"cell\": \"lstm\", \"bidirectional\": true", self, "mean", HEAD, 1));
        v.add(arguments("\"cell\": \"gru\", \"num_layers\": 2", none, "last", HEAD, 1));
        v.add(arguments("\"cell\": \"rnn_tanh\", \"num_layers\": 2, \"bidirectional\": true", self, "max", HEAD, 1));
        v.add(arguments("\"cell\": \"lstm\", \"layout\": \"keras\", \"prefix\": \"lstm/\"", self, "mean", HEAD, 1));
        v.add(arguments("\"cell\": \"gru\", \"layout\": \"keras\", \"bidirectional\": true", none, "last", HEAD, 1));
        v.add(arguments("\"cell\": \"rnn_relu\", \"layout\": \"keras\"", none, "max", HEAD, 1));
        // every score, as self-attention and as attention pooling
        String[] scores = {"\"dot\"", "\"scaled_dot\"", "\"scaled_dot\", \"scale\": 0.3",
                "\"general\", \"prefix\": \"attn.\"",
                "\"additive\"", "\"cosine\"", "\"cosine\", \"temperature\": 0.25"};
        for (String s : scores) {
            v.add(arguments("\"cell\": \"lstm\"", "{\"kind\": \"self\", \"score\": " + s + "}", "mean", HEAD, 1));
            v.add(arguments("\"cell\": \"gru\"",
                    "{\"kind\": \"pooling\", \"score\": " + s + ", \"query\": \"attn.query\"}",
                    "attention", HEAD, 1));
        }
        // multi-head attention, with and without the causal mask
        v.add(arguments("\"cell\": \"lstm\"", "{\"kind\": \"multi_head\", \"num_heads\": 2, \"prefix\": \"mha.\"}",
                "mean", HEAD, 2));
        v.add(arguments("\"cell\": \"gru\", \"bidirectional\": true",
                "{\"kind\": \"multi_head\", \"num_heads\": 2, \"causal\": true}", "last", HEAD, 1));
        // multi-layer heads with each activation, with and without biases
        String[] acts = {"identity", "relu", "tanh", "sigmoid", "softmax"};
        for (String a : acts) {
            String head = "\"head\": [{\"weight\": \"h0.weight\", \"bias\": \"h0.bias\", \"activation\": \"" + a
                    + "\"},"
                    + " {\"weight\": \"h1.weight\", \"activation\": \"relu\"},"
                    + " {\"weight\": \"h2.weight\", \"bias\": \"h2.bias\", \"activation\": \"" + a + "\"}]";
            v.add(arguments("\"cell\": \"gru\"", self, "mean", head, 1));
        }
        return v.stream();
    }

    private static Arguments arguments(String encoder, String attention, String pooling, String head,
            int hiddenMultiple) {
        return Arguments.of(config(encoder, attention, pooling, head), hiddenMultiple);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void matchesTheDoubleReferenceAndIgnoresPadding(String json, int hiddenMultiple) {
        RandomTrials.run(6, rnd -> {
            try (Arena arena = Arena.ofConfined()) {
                Fixture f = new Fixture(json, hiddenMultiple, rnd, arena);
                int batch = 1 + rnd.nextInt(4), seq = 1 + rnd.nextInt(9);
                int[] lengths = Fixture.lengths(rnd, batch, seq);
                Tensor garbage = f.input(new SplittableRandom(rnd.nextLong()), batch, seq, lengths, Float.NaN);
                Tensor zeros = copyWithPadding(f, arena, garbage, lengths, 0f);
                try (SequenceModel model = f.build(); Session session = model.newSession(batch, seq)) {
                    float[] got = session.predict(garbage, lengths).toFloatArray();
                    DoubleModel ref = f.reference();
                    int out = model.outputSize();
                    for (int b = 0; b < batch; b++) {
                        double[] want = ref.predict(valid(garbage, b, lengths[b]));
                        assertClose(want, got, b * out, f.config.describe() + ", sequence " + b + " of lengths "
                                + java.util.Arrays.toString(lengths));
                    }
                    assertArrayEquals(got, session.predict(zeros, lengths).toFloatArray(),
                            "padding content changed the output");
                }
            }
        });
    }

    @ParameterizedTest
    @MethodSource("variants")
    void batchRowsEqualSingleRunsAndSessionsReuseAcrossShapes(String json, int hiddenMultiple) {
        RandomTrials.run(3, rnd -> {
            try (Arena arena = Arena.ofConfined()) {
                Fixture f = new Fixture(json, hiddenMultiple, rnd, arena);
                int batch = 2 + rnd.nextInt(3), seq = 2 + rnd.nextInt(rnd.nextBoolean() ? 8 : 40);
                int[] lengths = Fixture.lengths(rnd, batch, seq);
                Tensor x = f.input(rnd, batch, seq, lengths, 0f);
                try (SequenceModel model = f.build(); Session session = model.newSession(batch, seq)) {
                    float[] first = session.predict(x, lengths).toFloatArray();
                    int out = model.outputSize();
                    for (int b = 0; b < batch; b++) {
                        // alone, over its own steps, padded to the row-invariant minimum when the batch has it
                        int steps = Math.max(lengths[b], Math.min(seq, Session.ROW_INVARIANT_STEPS));
                        Tensor one = x.slice(0, b, b + 1).slice(1, 0, steps);
                        Tensor single = Tensor.allocate(arena, io.attn4j.engine.tensor.DType.F32, one.shape());
                        single.copyFrom(one.toFloatArray());
                        float[] alone = session.predict(single, new int[]{lengths[b]}).toFloatArray();
                        for (int i = 0; i < out; i++) {
                            assertEquals(Float.floatToRawIntBits(alone[i]), Float.floatToRawIntBits(first[b * out + i]),
                                    "batch row " + b + " of lengths " + java.util.Arrays.toString(lengths) + " (T = "
                                            + seq + ") vs alone over " + steps + " steps, output " + i + ": "
                                            + first[b * out + i] + " vs " + alone[i]);
                        }
                    }
                    assertArrayEquals(first, session.predict(x, lengths).toFloatArray(),
                            "the session gave other bits after calls of other shapes");
                }
            }
        });
    }

    @Test
    void threadsSharingOneModelAgreeWithOneThread() throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        try (Arena arena = Arena.ofShared()) {
            Fixture f = new Fixture(
                    config("\"cell\": \"lstm\"", "{\"kind\": \"self\", \"score\": \"scaled_dot\"}", "mean", HEAD),
                    1, rnd, arena);
            int calls = 24, batch = 3, seq = 9;
            Tensor[] inputs = new Tensor[calls];
            int[][] lengths = new int[calls][];
            float[][] expected = new float[calls][];
            try (SequenceModel model = f.build()) {
                try (Session session = model.newSession(batch, seq)) {
                    for (int i = 0; i < calls; i++) {
                        lengths[i] = Fixture.lengths(rnd, batch, seq);
                        inputs[i] = f.input(rnd, batch, seq, lengths[i], 0f);
                        expected[i] = session.predict(inputs[i], lengths[i]).toFloatArray();
                    }
                }
                ExecutorService pool = Executors.newFixedThreadPool(4);
                try {
                    List<Future<?>> done = new ArrayList<>();
                    for (int th = 0; th < 4; th++) {
                        int offset = th;
                        done.add(pool.submit(() -> {
                            try (Session session = model.newSession(batch, seq)) {
                                for (int round = 0; round < 5; round++) {
                                    for (int k = 0; k < calls; k++) {
                                        int i = (k + offset * 5) % calls;
                                        assertArrayEquals(expected[i],
                                                session.predict(inputs[i], lengths[i]).toFloatArray(),
                                                "call " + i + " on a shared model");
                                    }
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> d : done) {
                        d.get();
                    }
                } finally {
                    pool.shutdown();
                }
            }
        }
    }

    static void assertClose(double[] want, float[] got, int offset, String what) {
        double scale = 1;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(got[offset + i] - want[i]);
            assertTrue(err <= TOLERANCE * scale, what + ": output " + i + " is " + got[offset + i] + ", expected "
                    + want[i] + " (error " + err + ")");
        }
    }

    static double[][] valid(Tensor x, int b, int len) {
        double[][] out = new double[len][(int) x.dim(2)];
        for (int t = 0; t < len; t++) {
            for (int c = 0; c < out[t].length; c++) {
                out[t][c] = x.get(b, t, c);
            }
        }
        return out;
    }

    private static Tensor copyWithPadding(Fixture f, Arena arena, Tensor x, int[] lengths, float pad) {
        Tensor y = Tensor.allocate(arena, io.attn4j.engine.tensor.DType.F32, x.shape());
        y.copyFrom(x.toFloatArray());
        for (int b = 0; b < x.dim(0); b++) {
            for (int t = lengths[b]; t < x.dim(1); t++) {
                for (int c = 0; c < x.dim(2); c++) {
                    y.set(pad, b, t, c);
                }
            }
        }
        return y;
    }
}
