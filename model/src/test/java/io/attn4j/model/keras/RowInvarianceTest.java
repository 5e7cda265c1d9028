package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What batching relies on: a Keras model's row gives the same bits run alone, padded to its own
 * length, as inside a batch padded to a longer {@code T} (garbage in the padding) beside rows of
 * other lengths, in any order. Every one-input case: features and tokens, pooled, per-step and
 * fixed-step outputs, bidirectional layers, masks and attention.
 */
class RowInvarianceTest {

    static List<String> cases() throws IOException {
        return KerasRows.servedNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aRowsBitsDoNotDependOnItsBatch(String name) throws IOException {
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"))) {
            KerasRows rows = KerasRows.of(name, model);
            int batch = rows.batch(), fixed = model.fixedSteps();
            int padded = fixed > 0 ? fixed : rows.longest() + 3;
            int[] all = new int[batch];
            for (int b = 0; b < batch; b++) {
                all[b] = batch - 1 - b; // reversed: each row sits elsewhere than in the file
            }
            try (Session session = model.newSession(batch, padded)) {
                float[] together = session.predict(rows.tensor(arena, all, padded, 7f), rows.lengthsOf(all))
                        .toFloatArray();
                int out = model.outputSize(), stride = model.perStep() ? padded * out : out;
                for (int r = 0; r < batch; r++) {
                    int b = all[r], own = fixed > 0 ? fixed : rows.lengths()[b];
                    int[] one = {b};
                    float[] alone = session.predict(rows.tensor(arena, one, own, 0f), null).toFloatArray();
                    int n = model.perStep() ? own * out : out;
                    for (int i = 0; i < n; i++) {
                        float a = alone[i], t = together[r * stride + i];
                        int element = i;
                        assertEquals(Float.floatToRawIntBits(a), Float.floatToRawIntBits(t),
                                () -> name + ": row " + b + " (length " + own + "), element " + element + ": alone "
                                        + a + ", in a batch padded to " + padded + ": " + t);
                    }
                    for (int i = n; model.perStep() && i < stride; i++) {
                        assertEquals(0f, together[r * stride + i], name + ": a padded step is not 0");
                    }
                }
            }
        }
    }
}
