package io.attn4j.model.keras;

import static io.attn4j.model.keras.CallArguments.checkKwargs;
import static io.attn4j.model.keras.CallArguments.floatValue;
import static io.attn4j.model.keras.CallArguments.portList;

import io.attn4j.model.graph.GraphBuilder;
import io.attn4j.model.graph.Port;
import io.attn4j.model.keras.LayerConfig.Unsupported;
import java.util.List;
import java.util.Map;

/**
 * {@code Concatenate} (last axis), {@code Add}, {@code Subtract}, {@code Average},
 * {@code Multiply}, with Keras' output mask: for Concatenate, one when any input has one; for the
 * others, one when every input has one.
 */
final class MergeLayers {
    private final GraphBuilder g;

    MergeLayers(GraphBuilder g) {
        this.g = g;
    }

    Port merge(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        List<Port> in = portList(c, args);
        checkKwargs(c, kwargs, "training", "mask");
        boolean concat = c.className.equals("Concatenate");
        if (concat) {
            Object axis = c.raw("axis");
            int last = in.isEmpty() || !in.getFirst().sequence() ? 1 : 2;
            if (axis != null && !Long.valueOf(-1).equals(axis) && !Long.valueOf(last).equals(axis)) {
                throw c.option("axis", axis, "attn4j concatenates on the last axis");
            }
        }
        c.finish();
        if (in.size() < 2) {
            throw c.unsupported("it is called on " + in.size() + " tensor; a merge takes two or more");
        }
        boolean anyMask = false, allMasks = true;
        for (Port p : in) {
            floatValue(c, p);
            if (p.sequence() != in.getFirst().sequence() || !concat && p.features() != in.getFirst().features()) {
                throw c.unsupported("inputs " + in.getFirst().shape() + " and " + p.shape() + " do not fit"
                        + (concat ? "" : " (attn4j merges tensors of one shape)"));
            }
            anyMask |= p.mask() != null;
            allMasks &= p.mask() != null;
        }
        boolean newMask = concat ? anyMask : allMasks;
        return g.merge(c.layer, c.className, in.toArray(new Port[0]), newMask && in.getFirst().sequence());
    }
}
