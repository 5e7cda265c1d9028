package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rows of a one-input Keras case as a caller of a Predictor holds them: each sequence cut to
 * its length ({@code NAME.lengths.npy}, else every step), float features {@code [steps][features]}
 * or token ids {@code [steps]}, and padded batches of them in session tensors.
 */
record KerasRows(String name, boolean tokens, int features, int[] lengths, float[][][] floats, int[][] ids) {

    /** The one-input cases: the models a Predictor serves. */
    static List<String> servedNames() throws IOException {
        List<String> out = new ArrayList<>();
        for (String name : KerasCases.names()) {
            try (SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"))) {
                if (model.inputs().size() == 1) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    static KerasRows of(String name, SequenceModel model) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = KerasCases.npy(name, ".x.npy", arena);
            Tensor l = KerasCases.npy(name, ".lengths.npy", arena);
            int batch = (int) x.dim(0), steps = (int) x.dim(1);
            int[] lengths = l != null ? l.toIntArray() : filled(batch, steps);
            boolean tokens = model.takesTokens();
            int features = tokens ? 1 : (int) x.dim(2);
            assertEquals(model.inputSize(), features, name + ": features");
            float[][][] floats = tokens ? null : new float[batch][][];
            int[][] ids = tokens ? new int[batch][] : null;
            float[] flat = tokens ? null : x.toFloatArray();
            int[] flatIds = tokens ? x.toIntArray() : null;
            for (int b = 0; b < batch; b++) {
                if (tokens) {
                    ids[b] = Arrays.copyOfRange(flatIds, b * steps, b * steps + lengths[b]);
                } else {
                    floats[b] = new float[lengths[b]][];
                    for (int t = 0; t < lengths[b]; t++) {
                        int at = (b * steps + t) * features;
                        floats[b][t] = Arrays.copyOfRange(flat, at, at + features);
                    }
                }
            }
            return new KerasRows(name, tokens, features, lengths, floats, ids);
        }
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    int batch() {
        return lengths.length;
    }

    int longest() {
        return Arrays.stream(lengths).max().orElseThrow();
    }

    /**
     * Rows {@code rows} as a session input padded to {@code steps}: {@code (n, steps, features)} F32
     * or {@code (n, steps)} I32; the padding holds {@code pad} (a value no row reads).
     */
    Tensor tensor(Arena arena, int[] rows, int steps, float pad) {
        int n = rows.length;
        if (tokens) {
            Tensor t = Tensor.allocate(arena, DType.I32, n, steps);
            for (int r = 0; r < n; r++) {
                for (int s = 0; s < steps; s++) {
                    int[] row = ids[rows[r]];
                    t.setLong(s < row.length ? row[s] : (long) pad, r, s);
                }
            }
            return t;
        }
        Tensor t = Tensor.allocate(arena, DType.F32, n, steps, features);
        for (int r = 0; r < n; r++) {
            float[][] row = floats[rows[r]];
            for (int s = 0; s < steps; s++) {
                for (int f = 0; f < features; f++) {
                    t.set(s < row.length ? row[s][f] : pad, r, s, f);
                }
            }
        }
        return t;
    }

    /** The lengths of {@code rows}. */
    int[] lengthsOf(int[] rows) {
        int[] out = new int[rows.length];
        for (int r = 0; r < rows.length; r++) {
            out[r] = lengths[rows[r]];
        }
        return out;
    }
}
