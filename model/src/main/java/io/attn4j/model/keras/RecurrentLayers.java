package io.attn4j.model.keras;

import static io.attn4j.model.keras.CallArguments.checkKwargs;
import static io.attn4j.model.keras.CallArguments.floatSequence;
import static io.attn4j.model.keras.CallArguments.receivedMask;
import static io.attn4j.model.keras.CallArguments.single;

import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.model.graph.GraphBuilder;
import io.attn4j.model.graph.Port;
import io.attn4j.model.keras.KerasWeights.Spec;
import io.attn4j.model.keras.LayerConfig.Unsupported;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code SimpleRNN}, {@code LSTM}, {@code GRU} and {@code Bidirectional} of one of them: options,
 * weights (Keras' {@code kernel (in, G*u)}, {@code recurrent_kernel (u, G*u)}, {@code bias}) and
 * the mask the layer receives (the explicit {@code mask=} Keras 3 records, else its input's).
 */
final class RecurrentLayers {
    private final GraphBuilder g;
    private final KerasWeights weights;

    RecurrentLayers(GraphBuilder g, KerasWeights weights) {
        this.g = g;
        this.weights = weights;
    }

    Port[] recurrent(LayerEntry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port x = floatSequence(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        Port mask = receivedMask(kwargs, x);
        Options r = options(c, e.className());
        c.finish();
        float[][] w = weights.read(e, r.specs("cell", x.features()));
        GraphBuilder.RecurrentOptions o = new GraphBuilder.RecurrentOptions(e.className(), r.activation,
                r.recurrentActivation, r.resetAfter, r.units, r.returnSequences, r.returnState, r.goBackwards,
                new boolean[]{r.zeroOutputForMask}, "concat");
        try {
            return g.recurrent(c.layer, e.className(), x, mask, o,
                    new GraphBuilder.CellWeights[]{r.cellWeights(w, 0)}, e.className() + "(" + r.units + ")");
        } catch (IllegalArgumentException ex) {
            throw c.unsupported(ex.getMessage());
        }
    }

    Port[] bidirectional(LayerEntry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port x = floatSequence(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        Port mask = receivedMask(kwargs, x);
        String merge = c.string("merge_mode", null);
        if (merge == null || !List.of("concat", "sum", "ave", "mul").contains(merge)) {
            throw c.option("merge_mode", merge, "concat, sum, ave or mul");
        }
        LayerConfig fwd = c.nested("layer");
        LayerConfig bwd = c.has("backward_layer") ? c.nested("backward_layer") : null;
        c.finish();
        if (!List.of("SimpleRNN", "LSTM", "GRU").contains(fwd.className)) {
            throw c.option("layer", fwd.className, "SimpleRNN, LSTM or GRU");
        }
        Options f = options(fwd, fwd.className);
        fwd.finish();
        Options b = f;
        if (bwd != null) {
            b = options(bwd, bwd.className);
            bwd.finish();
            if (!bwd.className.equals(fwd.className) || b.units != f.units || !b.activation.equals(f.activation)
                    || !b.recurrentActivation.equals(f.recurrentActivation) || b.resetAfter != f.resetAfter
                    || b.returnSequences != f.returnSequences || b.useBias != f.useBias) {
                throw c.option("backward_layer", bwd.className, "attn4j runs a backward layer like the forward one");
            }
        }
        if (f.goBackwards) {
            throw c.option("layer.go_backwards", true, "attn4j runs the Keras default, a forward layer");
        }
        List<Spec> specs = new ArrayList<>(f.specs("forward_layer/cell", x.features()));
        specs.addAll(b.specs("backward_layer/cell", x.features()));
        float[][] w = weights.read(e, specs);
        int per = f.useBias ? 3 : 2;
        GraphBuilder.RecurrentOptions o = new GraphBuilder.RecurrentOptions(fwd.className, f.activation,
                f.recurrentActivation, f.resetAfter, f.units, f.returnSequences, f.returnState, false,
                new boolean[]{f.zeroOutputForMask, b.zeroOutputForMask}, merge);
        try {
            return g.recurrent(c.layer, e.className(), x, mask, o,
                    new GraphBuilder.CellWeights[]{f.cellWeights(w, 0), f.cellWeights(w, per)},
                    "Bidirectional(" + fwd.className + "(" + f.units + "), " + merge + ")");
        } catch (IllegalArgumentException ex) {
            throw c.unsupported(ex.getMessage());
        }
    }

    /** A recurrent layer's options, read from its config. */
    private static final class Options {
        String cell;
        int units;
        String activation;
        String recurrentActivation;
        boolean resetAfter;
        boolean useBias;
        boolean returnSequences;
        boolean returnState;
        boolean goBackwards;
        boolean zeroOutputForMask;

        List<Spec> specs(String sub, int in) {
            int gates = cell.equals("LSTM") ? 4 : cell.equals("GRU") ? 3 : 1;
            List<Spec> s = new ArrayList<>();
            s.add(new Spec(sub, "kernel", in, (long) gates * units));
            s.add(new Spec(sub, "recurrent_kernel", units, (long) gates * units));
            if (useBias) {
                s.add(cell.equals("GRU") && resetAfter
                        ? new Spec(sub, "bias", 2, 3L * units)
                        : new Spec(sub, "bias", (long) gates * units));
            }
            return s;
        }

        GraphBuilder.CellWeights cellWeights(float[][] w, int at) {
            return new GraphBuilder.CellWeights(w[at], w[at + 1], useBias ? w[at + 2] : null);
        }
    }

    private static Options options(LayerConfig c, String cls) throws Unsupported {
        Options r = new Options();
        r.cell = cls;
        r.units = c.positive("units");
        r.activation = c.string("activation", "tanh");
        r.recurrentActivation = cls.equals("SimpleRNN") ? "sigmoid" : c.string("recurrent_activation", "sigmoid");
        r.resetAfter = cls.equals("GRU") && c.bool("reset_after", true);
        r.useBias = c.bool("use_bias", true);
        r.returnSequences = c.bool("return_sequences", false);
        r.returnState = c.bool("return_state", false);
        r.goBackwards = c.bool("go_backwards", false);
        r.zeroOutputForMask = c.bool("zero_output_for_mask", false);
        c.require("stateful", false);
        c.require("time_major", false);
        return r;
    }
}
