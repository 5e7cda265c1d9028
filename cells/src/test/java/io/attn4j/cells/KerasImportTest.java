package io.attn4j.cells;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keras layouts (LSTM, GRU reset_after=True, SimpleRNN, Bidirectional) give the same outputs as
 * the PyTorch weights they were converted from; the golden cases cover one-directional LSTM and
 * GRU, this covers every cell and the Bidirectional wrapper.
 */
class KerasImportTest {

    @Test
    void kerasLayoutEqualsPyTorchLayout() {
        RandomTrials.run(24, rnd -> {
            CellType cell = CellType.values()[rnd.nextInt(CellType.values().length)];
            RecurrentSpec spec = new RecurrentSpec(cell, RecurrentPropertiesTest.size(rnd, 20),
                    RecurrentPropertiesTest.size(rnd, 40), 1, rnd.nextBoolean());
            int batch = RecurrentPropertiesTest.size(rnd, 4), seq = RecurrentPropertiesTest.size(rnd, 9);
            try (Arena arena = Arena.ofConfined()) {
                Case c = Case.random(spec, batch, seq, rnd, arena, false);
                Map<String, Tensor> keras = toKeras(spec, c.tensors, arena);
                RecurrentPropertiesTest.Outputs want = c.run(arena, null, null);
                c.tensors.clear();
                c.tensors.putAll(keras);
                RecurrentPropertiesTest.Outputs got = c.runKeras(arena);
                assertArrayEquals(want.output(), got.output(), spec.toString());
                assertArrayEquals(want.hN(), got.hN(), spec.toString());
            }
        });
    }

    /** The Keras variables of PyTorch weights: transposed, gate blocks reordered, biases folded as Keras keeps them. */
    static Map<String, Tensor> toKeras(RecurrentSpec spec, Map<String, Tensor> pytorch, Arena arena) {
        int h = spec.hiddenSize(), gh = spec.gateRows(), in = spec.inputSize();
        int[] kerasBlockOf = spec.cell() == CellType.GRU ? new int[]{1, 0, 2} : new int[]{0, 1, 2, 3};
        Map<String, Tensor> keras = new HashMap<>();
        for (int dir = 0; dir < spec.directions(); dir++) {
            String sfx = "_l0" + (dir == 1 ? "_reverse" : "");
            String p = spec.bidirectional() ? (dir == 0 ? "forward." : "backward.") : "";
            float[] wIh = pytorch.get("weight_ih" + sfx).toFloatArray(),
                    wHh = pytorch.get("weight_hh" + sfx).toFloatArray();
            float[] bIh = pytorch.get("bias_ih" + sfx).toFloatArray(),
                    bHh = pytorch.get("bias_hh" + sfx).toFloatArray();
            float[] kernel = new float[in * gh], recurrent = new float[h * gh];
            float[] bias = new float[spec.cell() == CellType.GRU ? 2 * gh : gh];
            for (int g = 0; g < spec.cell().gates(); g++) {
                for (int j = 0; j < h; j++) {
                    int row = g * h + j, col = kerasBlockOf[g] * h + j;
                    for (int i = 0; i < in; i++) {
                        kernel[i * gh + col] = wIh[row * in + i];
                    }
                    for (int i = 0; i < h; i++) {
                        recurrent[i * gh + col] = wHh[row * h + i];
                    }
                    if (spec.cell() == CellType.GRU) {
                        bias[col] = bIh[row];
                        bias[gh + col] = bHh[row];
                    } else {
                        bias[col] = bIh[row] + bHh[row];
                    }
                }
            }
            keras.put(p + "kernel", Tensor.of(arena, kernel, in, gh));
            keras.put(p + "recurrent_kernel", Tensor.of(arena, recurrent, h, gh));
            keras.put(p + "bias",
                    spec.cell() == CellType.GRU ? Tensor.of(arena, bias, 2, gh) : Tensor.of(arena, bias, gh));
        }
        return keras;
    }
}
