package io.attn4j.model.graph;

import io.attn4j.cells.CellType;
import io.attn4j.cells.RecurrentNetwork;
import io.attn4j.cells.RecurrentSpec;
import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@link Recurrence} that runs a Keras recurrent layer: the cells' fused kernels for Keras'
 * defaults (tanh with a sigmoid recurrent activation; SimpleRNN tanh or relu; GRU
 * {@code reset_after=True}), {@link StepRecurrence} for other activations and
 * {@code GRU(reset_after=False)}.
 */
final class Recurrences {
    private Recurrences() {
    }

    /**
     * The cell a layer's options give.
     *
     * @throws IllegalArgumentException for an activation attn4j does not implement, naming it
     */
    static CellType cellType(GraphBuilder.RecurrentOptions o) {
        Activation act = activation(o.activation()), ract = activation(o.recurrentActivation());
        if (act == Activation.SOFTMAX || ract == Activation.SOFTMAX) {
            throw new IllegalArgumentException("option activation='softmax' is not supported in a recurrent cell");
        }
        return switch (o.cell()) {
            case "SimpleRNN" -> act == Activation.RELU ? CellType.RNN_RELU : CellType.RNN_TANH;
            case "LSTM" -> CellType.LSTM;
            case "GRU" -> CellType.GRU;
            default -> throw new IllegalArgumentException("not a recurrent layer: " + o.cell());
        };
    }

    /** The recurrence of one direction's weights, or of a Bidirectional's two, over {@code in} features. */
    static Recurrence of(Kernels kernels, GraphBuilder.RecurrentOptions o, CellType cell, int in,
            GraphBuilder.CellWeights[] directions) {
        Activation act = activation(o.activation()), ract = activation(o.recurrentActivation());
        boolean fast = cell == CellType.RNN_TANH || cell == CellType.RNN_RELU
                ? act == Activation.TANH || act == Activation.RELU
                : act == Activation.TANH && ract == Activation.SIGMOID && (cell != CellType.GRU || o.resetAfter());
        int u = o.units(), gates = cell.gates();
        boolean bidirectional = directions.length == 2;
        if (!fast) {
            return new StepRecurrence(Backend.of(kernels).kernels(), o.cell(), in, u, act, ract, o.resetAfter(),
                    directions);
        }
        Map<String, Tensor> tensors = new HashMap<>();
        for (int d = 0; d < directions.length; d++) {
            String p = bidirectional ? (d == 0 ? "forward." : "backward.") : "";
            GraphBuilder.CellWeights w = directions[d];
            tensors.put(p + "kernel", heap(w.kernel(), in, (long) gates * u));
            tensors.put(p + "recurrent_kernel", heap(w.recurrentKernel(), u, (long) gates * u));
            float[] bias = w.bias();
            if (cell == CellType.GRU) {
                tensors.put(p + "bias", heap(bias != null ? bias : new float[2 * gates * u], 2, (long) gates * u));
            } else {
                tensors.put(p + "bias", heap(bias != null ? bias : new float[gates * u], (long) gates * u));
            }
        }
        RecurrentSpec spec = new RecurrentSpec(cell, in, u, 1, bidirectional);
        return new FastRecurrence(RecurrentNetwork.fromKeras(spec, tensors, "", kernels), o.cell());
    }

    private static Activation activation(String name) {
        try {
            return Activation.of(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option activation: " + e.getMessage(), e);
        }
    }

    private static Tensor heap(float[] values, long... shape) {
        return Tensor.wrap(MemorySegment.ofArray(values), DType.F32, shape);
    }
}
