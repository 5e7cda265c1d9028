package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Sequences;
import io.attn4j.model.Sequences.Batch;
import io.attn4j.model.Sequences.Side;
import io.attn4j.model.Sequences.TokenOptions;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Token ids through {@link Sequences}: {@link Sequences#pad(int[][], int, Side, Side, int)} against
 * Keras' {@code pad_sequences} (the arrays below are what Keras 3.15.1 returns for the same calls),
 * {@link Sequences#tokens} and its lengths, and a Keras {@code Embedding(mask_zero=True)} model
 * fed by it.
 */
class TokenSequencesTest {
    /** {@code [1, 2, 3, 4]}, {@code [5]}, {@code []}. */
    private static int[][] three() {
        return new int[][]{{1, 2, 3, 4}, {5}, {}};
    }

    @Test
    void padsAndTruncatesLikePadSequences() {
        // pad_sequences(s, maxlen=3): padding and truncating 'pre', value 0
        assertArrayEquals(new int[][]{{2, 3, 4}, {0, 0, 5}, {0, 0, 0}},
                Sequences.pad(three(), 3, Side.PRE, Side.PRE, 0));
        // padding='post', truncating='post', value=9
        assertArrayEquals(new int[][]{{1, 2, 3}, {5, 9, 9}, {9, 9, 9}},
                Sequences.pad(three(), 3, Side.POST, Side.POST, 9));
        // padding='pre', truncating='post'
        assertArrayEquals(new int[][]{{1, 2, 3}, {0, 0, 5}, {0, 0, 0}},
                Sequences.pad(three(), 3, Side.PRE, Side.POST, 0));
        // padding='post', truncating='pre'
        assertArrayEquals(new int[][]{{2, 3, 4}, {5, 0, 0}, {0, 0, 0}},
                Sequences.pad(three(), 3, Side.POST, Side.PRE, 0));
        // maxlen=None: the longest sequence
        assertArrayEquals(new int[][]{{1, 2, 3, 4}, {0, 0, 0, 5}, {0, 0, 0, 0}},
                Sequences.pad(three(), 0, Side.PRE, Side.PRE, 0));
        // pad_sequences([[7, 8]], maxlen=5, value=-1)
        assertArrayEquals(new int[][]{{-1, -1, -1, 7, 8}}, Sequences.pad(new int[][]{{7, 8}}, 5, Side.PRE,
                Side.PRE, -1));
    }

    @Test
    void tokensGivesPadSequencesArrayAndLengthsByPaddingSide() {
        int[][] s = {{1, 2, 3, 4}, {5}};
        try (Arena arena = Arena.ofConfined()) {
            // PRE (Keras' default): the padding is in front, every row is read whole
            Batch pre = Sequences.tokens(s, TokenOptions.defaults().maxLen(3), arena);
            assertArrayEquals(new long[]{2, 3}, pre.x().shape());
            assertArrayEquals(new int[]{2, 3, 4, 0, 0, 5}, pre.x().toIntArray());
            assertArrayEquals(new int[]{3, 3}, pre.lengths());
            // POST: the lengths count the ids each row keeps; the padding is never read
            Batch post = Sequences.tokens(s, TokenOptions.defaults().padding(Side.POST).value(7), arena);
            assertArrayEquals(new int[]{1, 2, 3, 4, 5, 7, 7, 7}, post.x().toIntArray());
            assertArrayEquals(new int[]{4, 1}, post.lengths());
            Batch cut = Sequences.tokens(s, TokenOptions.defaults().padding(Side.POST).truncating(Side.POST).maxLen(2),
                    arena);
            assertArrayEquals(new int[]{1, 2, 5, 0}, cut.x().toIntArray());
            assertArrayEquals(new int[]{2, 1}, cut.lengths());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Sequences.tokens(three(), TokenOptions.defaults(), arena));
            assertTrue(e.getMessage().contains("sequences[2] is empty"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> TokenOptions.defaults().maxLen(-1));
        }
        assertArrayEquals(new int[]{1, 2, 3, 4}, s[0], "the caller's arrays are untouched");
    }

    /**
     * The raw sequences of the mask_zero_tokens case, padded the Keras way (PRE, id 0) by
     * {@link Sequences#tokens}, predict what Keras predicted for the rows Keras saw padded that
     * way; padded POST with lengths, a row predicts what the model gives the sequence alone.
     */
    @Test
    void anEmbeddingMaskZeroModelReadsTheTokensAsKerasDoes() throws IOException {
        String name = "mask_zero_tokens";
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"));
                Session session = model.newSession(3, 7)) {
            int[] ids = KerasCases.npy(name, ".x.npy", arena).toIntArray();
            float[] expected = KerasCases.npy(name, ".expected.npy", arena).toFloatArray();
            // the case's rows: row 0 pre-padded with 3 zeros, row 1 post-padded with 2, row 2 full
            int[][] raw = {Arrays.copyOfRange(ids, 3, 7), Arrays.copyOfRange(ids, 7, 12),
                    Arrays.copyOfRange(ids, 14, 21)};
            Batch pre = Sequences.tokens(raw, TokenOptions.defaults().maxLen(7), arena);
            float[] got = session.predict(pre.x(), pre.lengths()).toFloatArray();
            int out = model.outputSize();
            for (int row : new int[]{0, 2}) {
                KerasCases.assertMatches(name + " row " + row, Arrays.copyOfRange(expected, row * out, (row + 1) * out),
                        Arrays.copyOfRange(got, row * out, (row + 1) * out), null, out);
            }
            Batch post = Sequences.tokens(raw, TokenOptions.defaults().padding(Side.POST), arena);
            float[] rows = session.predict(post.x(), post.lengths()).toFloatArray();
            try (Session alone = model.newSession(1, 7)) {
                for (int row = 0; row < raw.length; row++) {
                    // another call length tiles the GEMMs differently: equal within float32 rounding
                    Tensor one = Sequences.tokens(new int[][]{raw[row]}, TokenOptions.defaults(), arena).x();
                    assertArrayEquals(alone.predict(one, null).toFloatArray(),
                            Arrays.copyOfRange(rows, row * out, (row + 1) * out), 1e-6f, "row " + row + " alone");
                }
            }
        }
    }
}
