package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SequenceModel#sessionBytes} of a Keras model against what its sessions hold: for every
 * case and several {@code (maxBatch, maxSeq)}, a session's {@link Session#byteSize()} after a
 * call of its largest shape is at most the figure computed ahead, and equal to it for a model
 * without attention (where nothing grows, the figure is exact); a closed session holds 0.
 */
class GraphSessionMemoryTest {
    private static final int[][] SIZES = {{1, 1}, {1, 7}, {4, 30}, {9, 64}, {2, 1100}};

    static java.util.List<String> cases() {
        return KerasCases.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sessionsHoldAtMostWhatWasComputedAhead(String name) throws IOException {
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"))) {
            boolean exact = !model.layerTable().contains("Attention");
            if (model.inputs().size() > 1) {
                // several inputs: the case's own batch, in a session of exactly its shape
                Map<String, Tensor> inputs = KerasCases.inputs(name, model, arena);
                int batch = 0, steps = 1;
                for (Tensor t : inputs.values()) {
                    batch = (int) t.dim(0);
                    for (int d = 1; d < t.rank(); d++) {
                        steps = Math.max(steps, (int) t.dim(d));
                    }
                }
                check(name, model, batch, steps, exact, s -> s.predict(inputs, null));
                return;
            }
            Tensor x = KerasCases.npy(name, ".x.npy", arena);
            int fixed = model.fixedSteps();
            for (int[] size : SIZES) {
                int batch = size[0], steps = Math.max(size[1], fixed);
                Tensor in = cycled(arena, x, batch, fixed > 0 ? fixed : steps);
                check(name, model, batch, steps, exact, s -> s.predict(in, null));
            }
        }
    }

    private interface Call {
        void run(Session s);
    }

    private static void check(String name, SequenceModel model, int batch, int steps, boolean exact, Call call) {
        long ahead = model.sessionBytes(batch, steps, false);
        Session session = model.newSession(batch, steps);
        try {
            call.run(session);
            long held = session.byteSize();
            String what = name + " (" + batch + ", " + steps + "): held " + held + ", computed ahead " + ahead;
            assertTrue(held > 0 && held <= ahead, what);
            if (exact) {
                assertEquals(ahead, held, what + " (no attention: exact)");
            }
        } finally {
            session.close();
        }
        assertEquals(0, session.byteSize(), name + ": a closed session holds nothing");
    }

    /** {@code (batch, steps, ...)} filled with the case's input values, cycled (token ids stay in range). */
    private static Tensor cycled(Arena arena, Tensor x, int batch, int steps) {
        boolean tokens = x.rank() == 2;
        long features = tokens ? 1 : x.dim(2);
        if (tokens) {
            int[] ids = x.toIntArray();
            Tensor t = Tensor.allocate(arena, DType.I32, batch, steps);
            for (int i = 0; i < batch * steps; i++) {
                t.setLong(ids[i % ids.length], i / steps, i % steps);
            }
            return t;
        }
        float[] values = x.toFloatArray();
        Tensor t = Tensor.allocate(arena, DType.F32, batch, steps, features);
        float[] out = new float[(int) (batch * steps * features)];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i % values.length];
        }
        t.copyFrom(out);
        return t;
    }
}
