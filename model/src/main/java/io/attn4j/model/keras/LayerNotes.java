package io.attn4j.model.keras;

import io.attn4j.model.graph.Port;
import java.util.Map;

/** What the layer table and the one-line description say of a layer call. */
final class LayerNotes {
    private LayerNotes() {
    }

    /** What happens to the Keras mask at this layer, for the layer table. */
    static String maskNote(String cls, Port in, Port explicit, Port out) {
        Port received = explicit != null ? explicit : in == null ? null : in.mask();
        if (out.kind() != Port.Kind.F32) {
            return "computes a mask";
        }
        if (out.mask() != null && (received == null || out.mask() != received)) {
            return received == null ? "makes a mask" : "uses the mask, passes on a new one";
        }
        if (received == null) {
            return "";
        }
        if (out.mask() != null) {
            return "uses the mask, passes it on";
        }
        return switch (cls) {
            case "GlobalMaxPooling1D", "Flatten" -> "mask stops here: Keras drops it (" + cls
                    + " does not support masking); masked steps count with the values there";
            default -> "uses the mask; it stops here (the output has no time steps to mask)";
        };
    }

    /** A layer in the one-line description: its class, with its size and what it wraps. */
    static String chainEntry(String cls, LayerConfig c) {
        Object inner = c.map.get("layer");
        if (inner instanceof Map<?, ?> m && m.get("class_name") instanceof String wrapped
                && m.get("config") instanceof Map<?, ?> ic) {
            return cls + "(" + wrapped + (ic.get("units") != null ? "(" + ic.get("units") + ")" : "") + ")";
        }
        if (c.map.get("num_heads") != null) {
            return cls + "(" + c.map.get("num_heads") + " heads)";
        }
        return cls + (c.has("units") ? "(" + c.map.get("units") + ")" : "");
    }
}
