package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SequenceModel#sessionBytes} bounds what a session holds after its largest calls, for every
 * model kind, and is not loose beyond the attention's fixed tile allowance; absurd limits are
 * refused before anything is allocated.
 */
class SessionMemoryTest {
    /** The fused attention's tile allowance (a 100 x 512 score tile) the bound counts whether or not T needs it. */
    private static final long TILE_ALLOWANCE = 4 * 100 * 512;

    @ParameterizedTest
    @MethodSource("io.attn4j.model.SequenceModelPropertiesTest#variants")
    void theBoundHoldsAfterTheLargestCalls(String json, int hiddenMultiple) {
        RandomTrials.run(3, rnd -> {
            try (Arena arena = Arena.ofConfined()) {
                Fixture f = new Fixture(json, hiddenMultiple, rnd, arena);
                int batch = 1 + rnd.nextInt(4), seq = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 120);
                boolean keep = rnd.nextBoolean();
                try (SequenceModel model = f.build(); Session session = model.newSession(batch, seq, keep)) {
                    long bound = model.sessionBytes(batch, seq, keep);
                    int[] lengths = Fixture.lengths(rnd, batch, seq);
                    Tensor full = f.input(rnd, batch, seq, lengths, 0f);
                    session.predict(full, lengths);
                    session.context();
                    Tensor one = f.input(rnd, 1, 1, new int[]{1}, 0f);
                    session.predict(one, null);
                    session.context();
                    long held = session.byteSize();
                    String what = f.config.describe() + ", " + batch + " x " + seq + (keep ? ", keeping weights" : "");
                    assertTrue(held <= bound, what + ": holds " + held + " bytes, the bound says " + bound);
                    if (f.config.attention() == null) {
                        assertEquals(bound, held, what + ": without attention the count is exact");
                    } else {
                        assertTrue(bound <= 2 * held + TILE_ALLOWANCE,
                                what + ": the bound " + bound + " is loose for " + held + " bytes held");
                    }
                }
            }
        });
    }

    @Test
    void absurdLimitsAreRefusedBeforeAnythingIsAllocated() {
        try (Arena arena = Arena.ofConfined()) {
            Fixture f = new Fixture(SequenceModelPropertiesTest.config("\"cell\": \"lstm\"",
                    "{\"kind\": \"self\", \"score\": \"scaled_dot\"}", "mean",
                    "\"head\": [{\"weight\": \"fc.weight\", \"bias\": \"fc.bias\", \"activation\": \"sigmoid\"}]"),
                    1, new java.util.SplittableRandom(3), arena);
            try (SequenceModel model = f.build()) {
                for (int[] limits : new int[][]{{1, 1_000_000_000}, {1_000_000_000, 100}, {100_000, 100_000},
                        {0, 10}, {10, -1}}) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> model.newSession(limits[0], limits[1]));
                    assertTrue(e.getMessage().contains(String.valueOf(limits[limits[0] < 1 ? 0 : 1]))
                            || e.getMessage().contains(String.valueOf(limits[0])), e.getMessage());
                    assertThrows(IllegalArgumentException.class, () -> model.sessionBytes(limits[0], limits[1], false));
                }
            }
        }
    }
}
