package io.attn4j.model.keras;

import io.attn4j.model.graph.GraphBuilder;
import io.attn4j.model.graph.Port;
import io.attn4j.model.keras.InboundNodes.Call;
import io.attn4j.model.keras.InboundNodes.Ref;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Keras masks of a Functional model's tensors, two ways:
 * <ul>
 *   <li><b>at run time</b>, what each layer reads: Keras 3's {@code MultiHeadAttention} clears the
 *       mask of its query, value and key tensors when it runs, so a layer that runs later (in
 *       {@link ExecutionOrder}) and reads the mask of one of them, directly or through the layers
 *       that pass it on, sees none ({@link #view});</li>
 *   <li><b>as built</b>, the mask Keras attaches to each tensor when it builds the model, before
 *       anything is cleared ({@code model.outputs[0]._keras_mask} for the output): where attn4j
 *       zeros a per-step output ({@link #asBuilt}).</li>
 * </ul>
 * Both are the same in a model where no {@code MultiHeadAttention} clears a mask that a later
 * layer reads.
 */
final class MaskAttributes {
    private static final Set<String> PASS_ON = Set.of("Dense", "Activation", "LayerNormalization", "TimeDistributed",
            "SimpleRNN", "LSTM", "GRU", "Bidirectional", "Attention", "AdditiveAttention", "MultiHeadAttention",
            "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
            "ActivityRegularization", "Identity");
    private static final Set<String> MERGES = Set.of("Concatenate", "Add", "Subtract", "Average", "Multiply");

    private final GraphBuilder g;
    /** Tensors whose mask a MultiHeadAttention has cleared. */
    private final Set<Ref> cleared = new HashSet<>();
    /** The mask each layer call's output had as built (null: none). */
    private final Map<Ref, Port> built = new HashMap<>();

    MaskAttributes(GraphBuilder g) {
        this.g = g;
    }

    /** Tensor {@code r} as the next layer to run reads it: without its mask if it was cleared. */
    Port view(Ref r, Port p) {
        return cleared.contains(r) && p.mask() != null ? g.withMask(p, null) : p;
    }

    /** The mask of {@code p} (tensor {@code r}, or null for a Sequential's) as Keras built it. */
    Port asBuilt(Ref r, Port p) {
        return r != null && built.containsKey(r) ? built.get(r) : p.mask();
    }

    /**
     * Records what a layer call did to masks: the masks its outputs had as built, and the tensors
     * it cleared (a MultiHeadAttention's query, value and key).
     *
     * @param call the call as the config has it (tensors as refs)
     * @param args, kwargs the same with the tensors as the layer read them
     */
    void called(LayerEntry e, int node, Call call, List<Object> args, Map<String, Object> kwargs, Port[] outs) {
        for (int i = 0; i < outs.length; i++) {
            built.put(new Ref(e.name(), node, i), asBuilt(e, call, args, kwargs, outs[i]));
        }
        if (e.className().equals("MultiHeadAttention")) {
            for (int i = 0; i < Math.min(3, call.args().size()); i++) {
                if (call.args().get(i) instanceof Ref r) {
                    cleared.add(r);
                }
            }
            for (String k : List.of("query", "value", "key")) {
                if (call.kwargs().get(k) instanceof Ref r) {
                    cleared.add(r);
                }
            }
        }
    }

    /**
     * The layer table's note on masks, {@code note} and what a MultiHeadAttention cleared: the
     * masks of this call's inputs that are gone, or those this call clears. Call before
     * {@link #called}.
     */
    String note(LayerEntry e, Call call, String note) {
        List<String> notes = new ArrayList<>();
        if (!note.isEmpty()) {
            notes.add(note);
        }
        List<Object> refs = new ArrayList<>(call.args());
        refs.addAll(call.kwargs().values());
        for (Object o : refs) {
            for (Object r : o instanceof List<?> l ? l : java.util.Collections.singletonList(o)) {
                if (r instanceof Ref ref && cleared.contains(ref) && built.get(ref) != null
                        && !notes.toString().contains("of " + ref.layer() + " ")) {
                    notes.add("the mask of " + ref.layer() + " is gone here: a MultiHeadAttention cleared it at run"
                            + " time (Keras 3 does)");
                }
            }
        }
        if (e.className().equals("MultiHeadAttention")) {
            notes.add("clears the masks of its query, value and key for the layers that run after it (Keras 3"
                    + " does)");
        }
        return String.join("; ", notes);
    }

    private Port asBuilt(LayerEntry e, Call call, List<Object> args, Map<String, Object> kwargs, Port y) {
        String cls = e.className();
        if (!y.sequence() || y.kind() != Port.Kind.F32) {
            return y.mask();
        }
        if (MERGES.contains(cls)) {
            return merged(e, call, args, y);
        }
        if (y.mask() != null || !PASS_ON.contains(cls)) {
            return y.mask(); // a mask the layer made, or none at all
        }
        // a layer that passes on the mask it receives: the explicit one of the call, else its first input's
        if (kwargs.get("mask") instanceof Port explicit) {
            return explicit;
        }
        if (kwargs.get("mask") instanceof List<?> masks && !masks.isEmpty() && masks.getFirst() instanceof Port q) {
            return q; // Attention's [query_mask, value_mask]
        }
        Object first = cls.equals("MultiHeadAttention") && call.args().isEmpty()
                ? call.kwargs().get("query")
                : firstTensor(call.args());
        Port firstPort = CallArguments.firstPort(args);
        if (cls.equals("MultiHeadAttention") && call.args().isEmpty() && kwargs.get("query") instanceof Port qp) {
            firstPort = qp;
        }
        return first instanceof Ref r && firstPort != null ? asBuilt(r, firstPort) : null;
    }

    /**
     * A merge's mask as built: for Concatenate the OR of its inputs' masks when each has one (a
     * maskless input counts as all valid, which makes the OR all valid), for the others the OR
     * when each has one, else none.
     */
    private Port merged(LayerEntry e, Call call, List<Object> args, Port y) {
        List<Object> refs = call.args().size() == 1 && call.args().getFirst() instanceof List<?> l
                ? new ArrayList<>(l)
                : call.args();
        List<Port> ports;
        try {
            ports = CallArguments.portList(new LayerConfig(e.name(), e.className(), Map.of()), args);
        } catch (LayerConfig.Unsupported ex) {
            return y.mask();
        }
        List<Port> masks = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            Port m = i < refs.size() && refs.get(i) instanceof Ref r ? asBuilt(r, ports.get(i)) : ports.get(i).mask();
            if (m == null) {
                return null;
            }
            masks.add(m);
        }
        boolean same = true;
        for (Port m : masks) {
            same &= m == masks.getFirst();
        }
        if (same) {
            return masks.getFirst();
        }
        if (y.mask() != null) {
            return y.mask(); // the run-time merge already ORs these same masks
        }
        // or(m0, m1, ...) as booleans (B, T, 1), then any: a mask of its own, for the zeroing only
        Port or = masks.getFirst();
        for (int i = 1; i < masks.size(); i++) {
            or = g.booleans(e.name() + ".mask_as_built", "LogicalOr", "or", new Port[]{or, masks.get(i)});
        }
        return g.any(e.name() + ".mask_as_built", or);
    }

    private static Object firstTensor(List<Object> args) {
        for (Object o : args) {
            if (o instanceof Ref) {
                return o;
            }
            if (o instanceof List<?> l && !l.isEmpty() && l.getFirst() instanceof Ref) {
                return l.getFirst();
            }
        }
        return null;
    }
}
