package io.attn4j.model.keras;

import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.model.keras.InboundNodes.Call;
import io.attn4j.model.keras.InboundNodes.Ref;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The order in which Keras 3 runs the layer calls of a Functional model: its {@code map_graph}
 * (a depth-first walk from the outputs through each call's tensors, args then kwargs by sorted
 * key; each call's depth the longest path to an output) and {@code _run_through_graph} (deepest
 * first; calls of one depth in the order the walk first gave them a depth).
 *
 * <p>The order matters because some layers change the tensors they are given:
 * {@code MultiHeadAttention} clears the Keras mask of its query, value and key tensors when it
 * runs, so a layer that reads one of those tensors' masks later in this order sees none.
 */
final class ExecutionOrder {
    /** A layer call: call {@code node} of layer {@code layer}. */
    record CallKey(String layer, int node) {
    }

    private final Path file;
    private final Map<String, LayerEntry> entries;
    private final List<CallKey> decreasingDepth = new ArrayList<>();
    private final Set<CallKey> finished = new HashSet<>();
    private final Set<CallKey> inProgress = new HashSet<>();

    private ExecutionOrder(Path file, Map<String, LayerEntry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /**
     * The model's layer calls that lead to {@code outputs}, in the order Keras runs them (input
     * layers left out).
     *
     * @throws MalformedFileException for a call or layer the config does not have, or a cycle
     */
    static List<CallKey> of(Path file, Map<String, LayerEntry> entries, List<Ref> outputs)
            throws MalformedFileException {
        ExecutionOrder order = new ExecutionOrder(file, entries);
        for (Ref out : outputs) {
            order.walk(out);
        }
        return order.byDepth();
    }

    private void walk(Ref tensor) throws MalformedFileException {
        CallKey key = new CallKey(tensor.layer(), tensor.node());
        if (finished.contains(key)) {
            return;
        }
        if (!inProgress.add(key)) {
            throw new MalformedFileException(file, "the layer graph has a cycle through '" + tensor.layer() + "'");
        }
        for (Ref parent : inputs(key)) {
            walk(parent);
        }
        finished.add(key);
        inProgress.remove(key);
        decreasingDepth.add(key);
    }

    /** The tensors a call reads, as Keras flattens its arguments: args, then kwargs by sorted key. */
    private List<Ref> inputs(CallKey key) throws MalformedFileException {
        LayerEntry e = entries.get(key.layer());
        if (e == null) {
            throw new MalformedFileException(file, "the config refers to layer '" + key.layer()
                    + "', which is not in the model");
        }
        List<Ref> out = new ArrayList<>();
        if (e.className().equals("InputLayer")) {
            return out;
        }
        if (key.node() < 0 || key.node() >= e.calls().size()) {
            throw new MalformedFileException(file, "the config refers to call " + key.node() + " of layer '"
                    + key.layer() + "', which has " + e.calls().size());
        }
        Call call = e.calls().get(key.node());
        flatten(call.args(), out);
        flatten(call.kwargs(), out);
        return out;
    }

    private static void flatten(Object o, List<Ref> out) {
        if (o instanceof Ref r) {
            out.add(r);
        } else if (o instanceof List<?> l) {
            for (Object e : l) {
                flatten(e, out);
            }
        } else if (o instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new TreeMap<>();
            for (Map.Entry<?, ?> en : m.entrySet()) {
                sorted.put(String.valueOf(en.getKey()), en.getValue());
            }
            for (Object v : sorted.values()) {
                flatten(v, out);
            }
        }
    }

    /** Keras' depths (a dict in first-insertion order) and the run order they give. */
    private List<CallKey> byDepth() throws MalformedFileException {
        Map<CallKey, Integer> depths = new LinkedHashMap<>();
        Map<String, Integer> layerDepths = new HashMap<>();
        for (int i = decreasingDepth.size() - 1; i >= 0; i--) {
            CallKey call = decreasingDepth.get(i);
            int depth = depths.computeIfAbsent(call, k -> 0);
            // a layer called several times runs all its calls at its deepest depth
            depth = Math.max(depth, layerDepths.getOrDefault(call.layer(), 0));
            layerDepths.put(call.layer(), depth);
            depths.put(call, depth);
            for (Ref parent : inputs(call)) {
                CallKey p = new CallKey(parent.layer(), parent.node());
                if (finished.contains(p)) {
                    depths.put(p, Math.max(depth + 1, depths.getOrDefault(p, 0)));
                }
            }
        }
        TreeMap<Integer, List<CallKey>> levels = new TreeMap<>();
        for (Map.Entry<CallKey, Integer> d : depths.entrySet()) {
            levels.computeIfAbsent(d.getValue(), k -> new ArrayList<>()).add(d.getKey());
        }
        List<CallKey> order = new ArrayList<>();
        for (List<CallKey> level : levels.descendingMap().values()) {
            for (CallKey call : level) {
                if (!entries.get(call.layer()).className().equals("InputLayer")) {
                    order.add(call);
                }
            }
        }
        return order;
    }
}
