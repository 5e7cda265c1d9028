package io.attn4j.model.keras;

import io.attn4j.model.graph.Activation;
import io.attn4j.model.graph.Port;
import io.attn4j.model.keras.LayerConfig.Unsupported;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a layer call passes, checked: its tensors (as graph {@link Port}s), its keyword arguments,
 * the kinds of value a layer takes. Every refusal is an {@link Unsupported} naming the layer.
 */
final class CallArguments {
    private CallArguments() {
    }

    static Activation activation(LayerConfig c, String name) throws Unsupported {
        try {
            return Activation.of(name);
        } catch (IllegalArgumentException e) {
            throw c.option("activation", name, "linear, sigmoid, tanh, relu, softmax, elu, selu, softplus, softsign,"
                    + " silu, hard_sigmoid, relu6, leaky_relu, exponential, gelu");
        }
    }

    /** Refuses a keyword argument outside {@code allowed} unless it is null or false (left at its default). */
    static void checkKwargs(LayerConfig c, Map<String, Object> kwargs, String... allowed) throws Unsupported {
        for (Map.Entry<String, Object> k : kwargs.entrySet()) {
            if (!List.of(allowed).contains(k.getKey()) && k.getValue() != null
                    && !Boolean.FALSE.equals(k.getValue())) {
                throw c.unsupported("call argument " + k.getKey() + "=" + LayerConfig.show(k.getValue())
                        + " is not supported");
            }
        }
    }

    /** The explicit {@code mask=} of a call, when it is one tensor. */
    static Port explicitMask(Map<String, Object> kwargs) {
        return kwargs.get("mask") instanceof Port p ? p : null;
    }

    /** The mask a layer receives: the explicit {@code mask=} of the call, else the one attached to {@code x}. */
    static Port receivedMask(Map<String, Object> kwargs, Port x) {
        Port explicit = explicitMask(kwargs);
        return explicit != null ? explicit : x.mask();
    }

    static Port single(LayerConfig c, List<Object> args) throws Unsupported {
        if (args.size() != 1 || !(args.getFirst() instanceof Port p)) {
            throw c.unsupported("attn4j runs it on one tensor, it is called on " + LayerConfig.show(args));
        }
        return p;
    }

    /** The tensors of a call on a list ({@code layer([a, b])}) or on several arguments. */
    static List<Port> portList(LayerConfig c, List<Object> args) throws Unsupported {
        List<?> list = args.size() == 1 && args.getFirst() instanceof List<?> l ? l : args;
        List<Port> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Port p)) {
                throw c.unsupported("it is called on a non-tensor " + LayerConfig.show(o));
            }
            out.add(p);
        }
        return out;
    }

    /** The first tensor of a call, or null. */
    static Port firstPort(List<Object> args) {
        for (Object o : args) {
            if (o instanceof Port p) {
                return p;
            }
            if (o instanceof List<?> l && !l.isEmpty() && l.getFirst() instanceof Port p) {
                return p;
            }
        }
        return null;
    }

    /** Positional argument {@code index}, else keyword {@code name}; null when neither is a tensor. */
    static Port argument(List<Object> args, int index, Map<String, Object> kwargs, String name) {
        if (index < args.size() && args.get(index) instanceof Port p) {
            return p;
        }
        return kwargs.get(name) instanceof Port p ? p : null;
    }

    static Port floatSequence(LayerConfig c, Port p) throws Unsupported {
        if (p.kind() != Port.Kind.F32 || !p.sequence()) {
            throw c.unsupported("its input " + p + " is not a float sequence (batch, steps, features)");
        }
        return p;
    }

    static Port floatValue(LayerConfig c, Port p) throws Unsupported {
        if (p.kind() != Port.Kind.F32) {
            throw c.unsupported("its input " + p + " is not a float tensor");
        }
        return p;
    }

    /** The tensors of a call, for the layer table: {@code label(shape), ...}. */
    static String describe(List<Object> args) {
        StringBuilder sb = new StringBuilder();
        for (Object o : args) {
            if (o instanceof Port p) {
                sb.append(sb.isEmpty() ? "" : ", ").append(p.toString());
            } else if (o instanceof List<?> l) {
                for (Object e : l) {
                    if (e instanceof Port p) {
                        sb.append(sb.isEmpty() ? "" : ", ").append(p.toString());
                    }
                }
            }
        }
        return sb.toString();
    }
}
