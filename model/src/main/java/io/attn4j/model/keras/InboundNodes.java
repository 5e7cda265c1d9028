package io.attn4j.model.keras;

import io.attn4j.engine.io.MalformedFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the calls of a Functional model's layers ({@code inbound_nodes}) and its input and output
 * lists, in both formats: Keras 3's {@code {"args": [...], "kwargs": {...}}} with serialized
 * tensors, and Keras 2's {@code [[name, node, index, kwargs], ...]}.
 */
final class InboundNodes {
    /** One call of a layer: positional args and keyword args, with tensors as {@link Ref}s. */
    record Call(List<Object> args, Map<String, Object> kwargs) {
    }

    /** A reference to a tensor: output {@code index} of call {@code node} of layer {@code layer}. */
    record Ref(String layer, int node, int index) {
    }

    private final Path file;

    InboundNodes(Path file) {
        this.file = file;
    }

    /**
     * Keras 3 records operations (ops.not_equal, ...) as graph nodes; they are not layers. A
     * {@code .keras} config names their module; a legacy {@code .h5} config does not, but its
     * weights list the layers ({@code layer_names}), and an operation is not among them.
     */
    static boolean isOperation(Map<?, ?> layer, String name, Set<String> legacyLayers) {
        if (layer.get("module") instanceof String m) {
            return m.startsWith("keras.src.ops");
        }
        return legacyLayers != null && !legacyLayers.contains(name);
    }

    Call call(String layer, Object node) throws MalformedFileException {
        if (node instanceof Map<?, ?> m) { // Keras 3: {"args": [...], "kwargs": {...}}
            List<Object> args = new ArrayList<>();
            if (m.get("args") instanceof List<?> a) {
                for (Object o : a) {
                    args.add(tensors(o));
                }
            }
            Map<String, Object> kwargs = new LinkedHashMap<>();
            if (m.get("kwargs") instanceof Map<?, ?> k) {
                for (Map.Entry<?, ?> e : k.entrySet()) {
                    kwargs.put(String.valueOf(e.getKey()), tensors(e.getValue()));
                }
            }
            return new Call(args, kwargs);
        }
        if (node instanceof List<?> list) { // Keras 2: [[name, node, index, kwargs], ...]
            List<Object> refs = new ArrayList<>();
            Map<String, Object> kwargs = new LinkedHashMap<>();
            for (Object o : list) {
                if (!(o instanceof List<?> r) || r.size() < 3 || !(r.get(0) instanceof String n)
                        || !(r.get(1) instanceof Long a) || !(r.get(2) instanceof Long b)) {
                    throw new MalformedFileException(file, "layer '" + layer + "': unreadable inbound node");
                }
                refs.add(new Ref(n, (int) (long) a, (int) (long) b));
                if (r.size() > 3 && r.get(3) instanceof Map<?, ?> k && kwargs.isEmpty()) {
                    for (Map.Entry<?, ?> e : k.entrySet()) {
                        kwargs.put(String.valueOf(e.getKey()), tensors(e.getValue()));
                    }
                }
            }
            return new Call(refs.size() == 1 ? List.of(refs.getFirst()) : List.of(refs), kwargs);
        }
        throw new MalformedFileException(file, "layer '" + layer + "': unreadable inbound node");
    }

    /** A JSON value with every serialized Keras tensor replaced by a {@link Ref}. */
    private Object tensors(Object o) throws MalformedFileException {
        if (o instanceof Map<?, ?> m && "__keras_tensor__".equals(m.get("class_name"))) {
            if (m.get("config") instanceof Map<?, ?> c && c.get("keras_history") instanceof List<?> h && h.size() == 3
                    && h.get(0) instanceof String n && h.get(1) instanceof Long a && h.get(2) instanceof Long b) {
                return new Ref(n, (int) (long) a, (int) (long) b);
            }
            throw new MalformedFileException(file, "a tensor in the config has no keras_history");
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object e : l) {
                out.add(tensors(e));
            }
            return out;
        }
        return o;
    }

    /** The tensors of the model's {@code input_layers} or {@code output_layers} ({@code key}). */
    List<Ref> refs(Object o, String key) throws MalformedFileException {
        List<Ref> out = new ArrayList<>();
        if (o instanceof List<?> l && l.size() == 3 && l.get(0) instanceof String n && l.get(1) instanceof Long a
                && l.get(2) instanceof Long b) {
            out.add(new Ref(n, (int) (long) a, (int) (long) b));
            return out;
        }
        if (o instanceof List<?> l) {
            for (Object e : l) {
                out.addAll(refs(e, key));
            }
            return out;
        }
        throw new MalformedFileException(file, "the model config's " + key + " is not a list of tensors");
    }
}
