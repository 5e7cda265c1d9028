package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.Sequences.Batch;
import io.attn4j.model.Sequences.MissingValues;
import io.attn4j.model.Sequences.Options;
import io.attn4j.model.Sequences.Side;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Input preparation: {@link Sequences#pad} against Keras {@code pad_sequences} results written out
 * by hand, masking compaction, each missing-value policy, and the model's own rejection of NaN in
 * valid steps (NaN in padding is ignored).
 */
class SequencesTest {
    private static final float V = -1f; // the padding value

    /** Sequences of one feature: {@code [1, 2, 3, 4]}, {@code [5]}, {@code []}. */
    private static float[][][] threeSequences() {
        return new float[][][]{{{1}, {2}, {3}, {4}}, {{5}}, {}};
    }

    @Test
    void padsAndTruncatesPreAndPostLikeKeras() {
        // pad_sequences(s, maxlen=3, padding='pre', truncating='pre', value=-1): Keras' defaults
        assertArrayEquals(new float[][][]{{{2}, {3}, {4}}, {{V}, {V}, {5}}, {{V}, {V}, {V}}},
                Sequences.pad(threeSequences(), 3, Side.PRE, Side.PRE, V));
        // padding='post', truncating='post'
        assertArrayEquals(new float[][][]{{{1}, {2}, {3}}, {{5}, {V}, {V}}, {{V}, {V}, {V}}},
                Sequences.pad(threeSequences(), 3, Side.POST, Side.POST, V));
        // padding='pre', truncating='post'
        assertArrayEquals(new float[][][]{{{1}, {2}, {3}}, {{V}, {V}, {5}}, {{V}, {V}, {V}}},
                Sequences.pad(threeSequences(), 3, Side.PRE, Side.POST, V));
        // padding='post', truncating='pre'
        assertArrayEquals(new float[][][]{{{2}, {3}, {4}}, {{5}, {V}, {V}}, {{V}, {V}, {V}}},
                Sequences.pad(threeSequences(), 3, Side.POST, Side.PRE, V));
        // maxlen=None: the longest sequence, nothing truncated
        assertArrayEquals(new float[][][]{{{1}, {2}, {3}, {4}}, {{V}, {V}, {V}, {5}}, {{V}, {V}, {V}, {V}}},
                Sequences.pad(threeSequences(), 0, Side.PRE, Side.PRE, V));
        // several features per step move together
        float[][][] two = {{{1, 10}, {2, 20}}, {{3, 30}}};
        assertArrayEquals(new float[][][]{{{1, 10}, {2, 20}, {V, V}}, {{3, 30}, {V, V}, {V, V}}},
                Sequences.pad(two, 3, Side.POST, Side.PRE, V));
    }

    @Test
    void batchPutsValidStepsFirstAndTruncatesLikeKeras() {
        try (Arena arena = Arena.ofConfined()) {
            float[][][] s = {{{1}, {2}, {3}, {4}}, {{5}}};
            Batch pre = Sequences.batch(s, Options.defaults().maxLen(3), arena);
            assertArrayEquals(new int[]{3, 1}, pre.lengths());
            assertArrayEquals(new float[]{2, 3, 4, 5, 0, 0}, pre.x().toFloatArray());
            Batch post = Sequences.batch(s, Options.defaults().maxLen(3).truncating(Side.POST), arena);
            assertArrayEquals(new float[]{1, 2, 3, 5, 0, 0}, post.x().toFloatArray());
            Batch longest = Sequences.batch(s, Options.defaults(), arena);
            assertArrayEquals(new long[]{2, 4, 1}, longest.x().shape());
            assertArrayEquals(new int[]{4, 1}, longest.lengths());
        }
    }

    @Test
    void maskingCompactsValidStepsToTheFrontInOrder() {
        try (Arena arena = Arena.ofConfined()) {
            // Keras-style pre-padded rows with masked steps inside; [0, 5] is not masked (not every feature is 0)
            float[][][] padded = {{{0, 0}, {0, 0}, {1, 2}, {0, 0}, {3, 4}}, {{0, 5}, {0, 0}, {0, 0}, {0, 0}, {6, 7}}};
            Batch b = Sequences.batch(padded, Options.defaults().masking(0f), arena);
            assertArrayEquals(new int[]{2, 2}, b.lengths());
            assertArrayEquals(new long[]{2, 2, 2}, b.x().shape());
            assertArrayEquals(new float[]{1, 2, 3, 4, 0, 5, 6, 7}, b.x().toFloatArray());
            // the row keeps maxLen steps when given; an all-masked sequence is an error naming it
            assertArrayEquals(new long[]{2, 5, 2},
                    Sequences.batch(padded, Options.defaults().maxLen(5).masking(0f), arena)
                            .x().shape());
            float[][][] empty = {{{1, 1}}, {{9, 9}, {9, 9}}};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Sequences.batch(empty, Options.defaults().masking(9f), arena));
            assertTrue(e.getMessage().contains("sequences[1]"), e.getMessage());
        }
    }

    @Test
    void eachMissingValuePolicy() {
        float n = Float.NaN;
        float[][][] s = {{{1, 2}}, {{n, 1}, {2, n}, {n, n}, {4, 5}}};
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Sequences.batch(s, Options.defaults(), arena));
            assertTrue(e.getMessage().contains("sequences[1][0][0] is NaN"), e.getMessage());
            assertArrayEquals(new float[]{1, 2, 0, 0, 0, 0, 0, 0, /* row 1 */ 0, 1, 2, 0, 0, 0, 4, 5},
                    Sequences.batch(s, Options.defaults().missing(MissingValues.ZERO), arena).x().toFloatArray());
            // PREVIOUS: 0 at the first step, then the filled value of the step before, chained
            assertArrayEquals(new float[]{1, 2, 0, 0, 0, 0, 0, 0, /* row 1 */ 0, 1, 2, 1, 2, 1, 4, 5},
                    Sequences.batch(s, Options.defaults().missing(MissingValues.PREVIOUS), arena).x().toFloatArray());
            // positions are the caller's: after 'pre' truncation to 2 steps, the NaN sits at original step 2
            e = assertThrows(IllegalArgumentException.class,
                    () -> Sequences.batch(s, Options.defaults().maxLen(2), arena));
            assertTrue(e.getMessage().contains("sequences[1][2][0] is NaN"), e.getMessage());
            // infinities are not missing values: rejected under every policy
            float[][][] inf = {{{1, Float.POSITIVE_INFINITY}}};
            e = assertThrows(IllegalArgumentException.class,
                    () -> Sequences.batch(inf, Options.defaults().missing(MissingValues.ZERO), arena));
            assertTrue(e.getMessage().contains("sequences[0][0][1] is Infinity"), e.getMessage());
        }
        // the caller's arrays are untouched
        assertTrue(Float.isNaN(s[1][0][0]));
    }

    @Test
    void raggedFeaturesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequences.pad(new float[][][]{{{1, 2}}, {{1, 2}, {3}}}, 0, Side.PRE, Side.PRE, 0f));
        assertTrue(e.getMessage().contains("sequences[1][1] has 1 features, expected 2"), e.getMessage());
    }

    @Test
    void preparedKerasPrePaddedDataPredictsLikeTheRawSequences() {
        SplittableRandom rnd = new SplittableRandom(3);
        try (Arena arena = Arena.ofConfined()) {
            Fixture f = new Fixture(SequenceModelPropertiesTest.config("\"cell\": \"lstm\", \"bidirectional\": true",
                    "{\"kind\": \"self\", \"score\": \"dot\"}", "last",
                    "\"head\": [{\"weight\": \"fc.weight\", \"activation\": \"tanh\"}]"),
                    1, rnd, arena);
            int in = f.config.inputSize();
            float[][][] raw = new float[4][][];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = new float[1 + rnd.nextInt(7)][in];
                for (float[] step : raw[i]) {
                    for (int c = 0; c < in; c++) {
                        step[c] = (float) (rnd.nextDouble() + 0.1); // never an all-zero step
                    }
                }
            }
            try (SequenceModel model = f.build()) {
                float[][] want = model.predict(raw);
                float[][][] kerasInput = Sequences.pad(raw, 8, Side.PRE, Side.PRE, 0f);
                Batch b = Sequences.batch(kerasInput, Options.defaults().masking(0f), arena);
                try (Session session = model.newSession(4, 8)) {
                    float[] got = session.predict(b.x(), b.lengths()).toFloatArray();
                    for (int i = 0; i < raw.length; i++) {
                        assertArrayEquals(want[i], java.util.Arrays.copyOfRange(got, i * model.outputSize(),
                                (i + 1) * model.outputSize()), 1e-6f, "sequence " + i);
                    }
                }
            }
        }
    }

    @Test
    void predictRejectsNaNAndInfinityInValidStepsAndIgnoresPadding() {
        SplittableRandom rnd = new SplittableRandom(4);
        try (Arena arena = Arena.ofConfined()) {
            Fixture f = new Fixture(SequenceModelPropertiesTest.config("\"cell\": \"gru\"", "null", "mean",
                    "\"head\": [{\"weight\": \"fc.weight\", \"activation\": \"identity\"}]"), 1, rnd, arena);
            int[] lengths = {5, 3};
            Tensor x = f.input(rnd, 2, 5, lengths, Float.NaN); // NaN in every padded step
            try (SequenceModel model = f.build(); Session session = model.newSession(2, 5)) {
                float[] clean = session.predict(x, lengths).toFloatArray();
                for (float v : clean) {
                    assertTrue(Float.isFinite(v));
                }
                int last = f.config.inputSize() - 1;
                x.set(Float.NaN, 1, 2, last);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> session.predict(x, lengths));
                assertTrue(e.getMessage().contains("x[1, 2, " + last + "] = NaN"), e.getMessage());
                x.set(Float.NEGATIVE_INFINITY, 1, 2, last);
                e = assertThrows(IllegalArgumentException.class, () -> session.predict(x, lengths));
                assertTrue(e.getMessage().contains("x[1, 2, " + last + "] = -Infinity"), e.getMessage());
                x.set(0.5f, 1, 2, last);
                assertEquals(2 * model.outputSize(), session.predict(x, lengths).size());
            }
        }
    }
}
