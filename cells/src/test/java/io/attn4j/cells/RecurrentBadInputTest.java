package io.attn4j.cells;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Wrong weights, shapes, lengths and states give a clear exception, and nothing is written. */
class RecurrentBadInputTest {
    private static final RecurrentSpec LSTM = new RecurrentSpec(CellType.LSTM, 5, 4, 1, false);
    private Arena arena;
    private Case lstm;
    private RecurrentNetwork net;
    private RecurrentWorkspace ws;
    private Tensor x;
    private Tensor out;
    private Tensor hN;
    private Tensor cN;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        lstm = Case.random(LSTM, 2, 3, new SplittableRandom(1), arena, false);
        net = RecurrentNetwork.fromPyTorch(LSTM, lstm.tensors, "");
        ws = net.newWorkspace(2, 3);
        x = Tensor.of(arena, lstm.x, 2, 3, 5);
        out = Tensor.allocate(arena, DType.F32, 2, 3, 4);
        hN = Tensor.allocate(arena, DType.F32, 1, 2, 4);
        cN = Tensor.allocate(arena, DType.F32, 1, 2, 4);
        out.fill(7f);
        hN.fill(7f);
        cN.fill(7f);
    }

    @AfterEach
    void tearDown() {
        ws.close();
        net.close();
        arena.close();
    }

    private void assertRejected(Class<? extends Throwable> type, String mustMention, Executable call) {
        Throwable e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(mustMention),
                "message '" + e.getMessage() + "' should mention " + mustMention);
        for (Tensor t : new Tensor[]{out, hN, cN}) {
            for (float v : t.toFloatArray()) {
                assertTrue(v == 7f, "an output was written by a rejected call");
            }
        }
    }

    @Test
    void wrongWeightShapeNamesTensorAndBothShapes() {
        Map<String, Tensor> bad = new HashMap<>(lstm.tensors);
        bad.put("weight_hh_l0", Tensor.allocate(arena, DType.F32, 16, 5));
        float[] before = bad.get("weight_ih_l0").toFloatArray();
        var e = assertThrows(IllegalArgumentException.class, () -> RecurrentNetwork.fromPyTorch(LSTM, bad, ""));
        assertTrue(
                e.getMessage().contains("weight_hh_l0") && e.getMessage().contains("[16, 5]")
                        && e.getMessage().contains("[16, 4]"),
                e.getMessage());
        assertArrayEquals(before, bad.get("weight_ih_l0").toFloatArray(),
                "the import must not change the caller's tensors");
    }

    @Test
    void missingOrWrongDtypeWeight() {
        Map<String, Tensor> missing = new HashMap<>(lstm.tensors);
        missing.remove("bias_hh_l0");
        var e = assertThrows(IllegalArgumentException.class, () -> RecurrentNetwork.fromPyTorch(LSTM, missing, ""));
        assertTrue(e.getMessage().contains("bias_hh_l0"), e.getMessage());
        Map<String, Tensor> wrongType = new HashMap<>(lstm.tensors);
        wrongType.put("bias_ih_l0", Tensor.allocate(arena, DType.I8, 16));
        e = assertThrows(IllegalArgumentException.class, () -> RecurrentNetwork.fromPyTorch(LSTM, wrongType, ""));
        assertTrue(e.getMessage().contains("bias_ih_l0") && e.getMessage().contains("I8"), e.getMessage());
    }

    @Test
    void kerasGruWithoutResetAfterBiasIsRejected() {
        RecurrentSpec gru = new RecurrentSpec(CellType.GRU, 5, 4, 1, false);
        Map<String, Tensor> keras = Map.of(
                "kernel", Tensor.allocate(arena, DType.F32, 5, 12),
                "recurrent_kernel", Tensor.allocate(arena, DType.F32, 4, 12),
                "bias", Tensor.allocate(arena, DType.F32, 12));
        var e = assertThrows(IllegalArgumentException.class, () -> RecurrentNetwork.fromKeras(gru, keras, ""));
        assertTrue(e.getMessage().contains("bias") && e.getMessage().contains("[2, 12]"), e.getMessage());
    }

    @Test
    void lengthsOutOfRange() {
        assertRejected(IllegalArgumentException.class, "lengths[1] = 0",
                () -> net.forward(ws, x, new int[]{3, 0}, null, null, out, hN, cN));
        assertRejected(IllegalArgumentException.class, "lengths[0] = 4",
                () -> net.forward(ws, x, new int[]{4, 1}, null, null, out, hN, cN));
        assertRejected(IllegalArgumentException.class, "lengths[0] = -1",
                () -> net.forward(ws, x, new int[]{-1, 1}, null, null, out, hN, cN));
        assertRejected(IllegalArgumentException.class, "3 lengths",
                () -> net.forward(ws, x, new int[]{1, 1, 1}, null, null, out, hN, cN));
    }

    @Test
    void featureSizeMismatch() {
        Tensor x6 = Tensor.allocate(arena, DType.F32, 2, 3, 6);
        assertRejected(IllegalArgumentException.class, "[2, 3, 6]",
                () -> net.forward(ws, x6, null, null, null, out, hN, cN));
    }

    @Test
    void wrongStateShapes() {
        Tensor h0 = Tensor.allocate(arena, DType.F32, 1, 3, 4);
        assertRejected(IllegalArgumentException.class, "h0", () -> net.forward(ws, x, null, h0, null, out, hN, cN));
        Tensor badOut = Tensor.allocate(arena, DType.F32, 2, 3, 5);
        assertRejected(IllegalArgumentException.class, "output",
                () -> net.forward(ws, x, null, null, null, badOut, hN, cN));
    }

    @Test
    void cellStateForGruIsRejected() {
        RecurrentSpec gruSpec = new RecurrentSpec(CellType.GRU, 5, 4, 1, false);
        Case gru = Case.random(gruSpec, 2, 3, new SplittableRandom(2), arena, false);
        try (RecurrentNetwork g = RecurrentNetwork.fromPyTorch(gruSpec, gru.tensors, "");
                RecurrentWorkspace gws = g.newWorkspace(2, 3)) {
            assertRejected(IllegalArgumentException.class, "cell state",
                    () -> g.forward(gws, x, null, null, null, out, hN, cN));
        }
    }

    @Test
    void batchOrSequenceLargerThanWorkspace() {
        Tensor x4 = Tensor.allocate(arena, DType.F32, 2, 4, 5);
        assertRejected(IllegalArgumentException.class, "workspace",
                () -> net.forward(ws, x4, null, null, null, null, null, null));
    }

    @Test
    void foreignOrClosedWorkspaceAndClosedNetwork() {
        RecurrentSpec otherSpec = new RecurrentSpec(CellType.LSTM, 5, 4, 1, true);
        Case otherCase = Case.random(otherSpec, 2, 3, new SplittableRandom(3), arena, false);
        try (RecurrentNetwork other = RecurrentNetwork.fromPyTorch(otherSpec, otherCase.tensors, "");
                RecurrentWorkspace foreign = other.newWorkspace(2, 3)) {
            assertRejected(IllegalArgumentException.class, "workspace",
                    () -> net.forward(foreign, x, null, null, null, out, hN, cN));
        }
        RecurrentWorkspace closed = net.newWorkspace(2, 3);
        closed.close();
        assertRejected(IllegalStateException.class, "closed",
                () -> net.forward(closed, x, null, null, null, out, hN, cN));
        RecurrentNetwork closedNet = RecurrentNetwork.fromPyTorch(LSTM, lstm.tensors, "");
        RecurrentWorkspace w = closedNet.newWorkspace(2, 3);
        closedNet.close();
        assertRejected(IllegalStateException.class, "closed",
                () -> closedNet.forward(w, x, null, null, null, out, hN, cN));
        w.close();
    }

    @Test
    void closedInputArena() {
        Arena gone = Arena.ofConfined();
        Tensor dead = Tensor.allocate(gone, DType.F32, 2, 3, 5);
        gone.close();
        assertRejected(IllegalStateException.class, "closed",
                () -> net.forward(ws, dead, null, null, null, out, hN, cN));
    }
}
