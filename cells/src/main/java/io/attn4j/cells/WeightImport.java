package io.attn4j.cells;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Map;

/**
 * Reads PyTorch and Keras recurrent weights into {@link CellWeights}, checking every name, dtype
 * and shape first. The caller's tensors are only read.
 */
final class WeightImport {
    private WeightImport() {
    }

    /**
     * PyTorch {@code state_dict()} names: {@code prefix + "weight_ih_l" + l + suffix} etc., suffix
     * {@code "_reverse"} for direction 1. Result index: {@code layer * directions + direction}.
     */
    static CellWeights[] pytorch(RecurrentSpec spec, Map<String, Tensor> tensors, String prefix, Arena arena,
            Kernels kernels) {
        int d = spec.directions(), h = spec.hiddenSize(), gh = spec.gateRows();
        CellWeights[] out = new CellWeights[spec.numLayers() * d];
        for (int l = 0; l < spec.numLayers(); l++) {
            int in = spec.layerInputSize(l);
            for (int dir = 0; dir < d; dir++) {
                String suffix = "_l" + l + (dir == 1 ? "_reverse" : "");
                float[] wIh = read(tensors, prefix + "weight_ih" + suffix, gh, in);
                float[] wHh = read(tensors, prefix + "weight_hh" + suffix, gh, h);
                float[] bIh = read(tensors, prefix + "bias_ih" + suffix, gh);
                float[] bHh = read(tensors, prefix + "bias_hh" + suffix, gh);
                out[l * d + dir] = CellWeights.of(spec.cell(), h, in, wIh, wHh, bIh, bHh, arena, kernels);
            }
        }
        return out;
    }

    /**
     * Keras names: {@code prefix + "kernel"} {@code (in, G*u)}, {@code "recurrent_kernel"}
     * {@code (u, G*u)}, {@code "bias"} ({@code (G*u)}, or {@code (2, 3u)} for a GRU with
     * {@code reset_after=True}); a Bidirectional wrapper adds {@code "forward."} and
     * {@code "backward."}. Gate blocks i,f,c,o (LSTM) and z,r,h (GRU) are reordered to PyTorch's.
     * A Keras layer is one layer: {@code spec.numLayers()} must be 1.
     */
    static CellWeights[] keras(RecurrentSpec spec, Map<String, Tensor> tensors, String prefix, Arena arena,
            Kernels kernels) {
        if (spec.numLayers() != 1) {
            throw new IllegalArgumentException(
                    "a Keras recurrent layer has one layer; got numLayers " + spec.numLayers());
        }
        int d = spec.directions(), h = spec.hiddenSize(), gh = spec.gateRows(), in = spec.inputSize();
        int[] kerasBlockOf = spec.cell() == CellType.GRU ? new int[]{1, 0, 2} : identity(spec.cell().gates());
        CellWeights[] out = new CellWeights[d];
        for (int dir = 0; dir < d; dir++) {
            String p = prefix + (spec.bidirectional() ? (dir == 0 ? "forward." : "backward.") : "");
            float[] kernel = read(tensors, p + "kernel", in, gh);
            float[] recurrent = read(tensors, p + "recurrent_kernel", h, gh);
            float[] bIh;
            float[] bHh;
            if (spec.cell() == CellType.GRU) {
                float[] bias = read(tensors, p + "bias", 2, gh);
                bIh = reorder(Arrays.copyOfRange(bias, 0, gh), h, kerasBlockOf);
                bHh = reorder(Arrays.copyOfRange(bias, gh, 2 * gh), h, kerasBlockOf);
            } else {
                bIh = reorder(read(tensors, p + "bias", gh), h, kerasBlockOf);
                bHh = new float[gh];
            }
            float[] wIh = transposeBlocks(kernel, in, h, kerasBlockOf);
            float[] wHh = transposeBlocks(recurrent, h, h, kerasBlockOf);
            out[dir] = CellWeights.of(spec.cell(), h, in, wIh, wHh, bIh, bHh, arena, kernels);
        }
        return out;
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        return p;
    }

    /** PyTorch row {@code g*h + j} of a (rows, G*h) Keras matrix, transposed: (G*h, rows). */
    private static float[] transposeBlocks(float[] keras, int rows, int h, int[] kerasBlockOf) {
        int gh = kerasBlockOf.length * h;
        float[] w = new float[gh * rows];
        for (int g = 0; g < kerasBlockOf.length; g++) {
            for (int j = 0; j < h; j++) {
                int kerasCol = kerasBlockOf[g] * h + j;
                for (int i = 0; i < rows; i++) {
                    w[(g * h + j) * rows + i] = keras[i * gh + kerasCol];
                }
            }
        }
        return w;
    }

    private static float[] reorder(float[] kerasBias, int h, int[] kerasBlockOf) {
        float[] b = new float[kerasBias.length];
        for (int g = 0; g < kerasBlockOf.length; g++) {
            System.arraycopy(kerasBias, kerasBlockOf[g] * h, b, g * h, h);
        }
        return b;
    }

    /** The values of tensor {@code name}, after checking that it exists, is F32 and has {@code shape}. */
    static float[] read(Map<String, Tensor> tensors, String name, long... shape) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("missing weight tensor '" + name + "' " + Arrays.toString(shape));
        }
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException("weight tensor '" + name + "' is " + t.dtype() + ", expected F32");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("weight tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t.toFloatArray();
    }
}
