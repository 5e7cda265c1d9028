package io.attn4j.cells;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.attn4j.engine.testing.RandomTrials;
import org.junit.jupiter.api.Test;

/** {@link RecurrentWorkspace#byteSize(RecurrentSpec, int, int)} predicts what a workspace allocates. */
class RecurrentWorkspaceSizeTest {
    @Test
    void theComputedSizeIsWhatTheWorkspaceHolds() {
        RandomTrials.run(40, rnd -> {
            CellType cell = CellType.values()[rnd.nextInt(CellType.values().length)];
            RecurrentSpec spec = new RecurrentSpec(cell, 1 + rnd.nextInt(40), 1 + rnd.nextInt(40), 1 + rnd.nextInt(4),
                    rnd.nextBoolean());
            int batch = 1 + rnd.nextInt(9), seq = 1 + rnd.nextInt(50);
            try (RecurrentWorkspace ws = new RecurrentWorkspace(spec, batch, seq)) {
                assertEquals(ws.byteSize(), RecurrentWorkspace.byteSize(spec, batch, seq),
                        spec + ", " + batch + " x " + seq);
            }
        });
    }

    @Test
    void anAbsurdSizeOverflowsInsteadOfWrapping() {
        RecurrentSpec spec = new RecurrentSpec(CellType.LSTM, 32, 1 << 20, 3, true);
        assertThrows(ArithmeticException.class,
                () -> RecurrentWorkspace.byteSize(spec, Integer.MAX_VALUE, Integer.MAX_VALUE));
    }
}
