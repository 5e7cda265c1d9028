package io.attn4j.model.keras;

import static io.attn4j.model.keras.CallArguments.explicitMask;
import static io.attn4j.model.keras.CallArguments.firstPort;

import io.attn4j.engine.internal.Json;
import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.model.graph.Graph;
import io.attn4j.model.graph.GraphBuilder;
import io.attn4j.model.graph.Port;
import io.attn4j.model.keras.InboundNodes.Call;
import io.attn4j.model.keras.InboundNodes.Ref;
import io.attn4j.model.keras.LayerConfig.Unsupported;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a Keras model config and its weights into a {@link Graph}, layer call by layer call, with
 * Keras 3's mask propagation: a layer receives the mask passed explicitly in the saved call
 * ({@code mask=...}, which Keras 3 records for recurrent layers) or else the mask attached to its
 * first input, and passes on what the layer's {@code compute_mask} gives (see the table in the
 * README of {@code testdata/keras} and each layer family's class).
 *
 * <p>Layers: {@code InputLayer}, {@code Masking}, {@code Embedding}, {@code Dense},
 * {@code TimeDistributed(Dense)}, {@code Activation}, {@code LayerNormalization},
 * {@code GlobalAveragePooling1D}, {@code GlobalMaxPooling1D}, {@code Flatten}, the dropout and
 * noise layers (no-ops at inference) ({@link CoreLayers}); {@code SimpleRNN}, {@code LSTM},
 * {@code GRU}, {@code Bidirectional} ({@link RecurrentLayers}); {@code Attention},
 * {@code AdditiveAttention}, {@code MultiHeadAttention} ({@link AttentionLayers});
 * {@code Concatenate}, {@code Add}, {@code Subtract}, {@code Average}, {@code Multiply}
 * ({@link MergeLayers}); and the mask operations Keras 3 writes into saved graphs
 * ({@link MaskOperations}). Anything else is refused, naming the layer, its class and the option.
 */
final class KerasGraphReader {
    private static final Set<String> IDENTITY = Set.of("Dropout", "SpatialDropout1D", "GaussianNoise",
            "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Identity");

    private final KerasArchive archive;
    private final KerasWeights weights;
    private final Kernels kernels;
    private final InboundNodes inbound;
    private final Map<String, LayerEntry> entries = new LinkedHashMap<>();
    private final Map<String, Port[]> done = new HashMap<>();
    private final Set<String> active = new HashSet<>();
    /** Each input's name and what it holds, for the description. */
    private final List<String> inputNames = new ArrayList<>();
    private final List<String> inputShapes = new ArrayList<>();
    private final List<String> chain = new ArrayList<>();
    private GraphBuilder g;
    private CoreLayers core;
    private RecurrentLayers recurrent;
    private AttentionLayers attention;
    private MergeLayers merges;
    private MaskOperations operations;
    private MaskAttributes masks;
    /** The model's output tensor (a Functional's), for its mask as built; null for a Sequential. */
    private Ref outputRef;
    private String modelClass;
    private String current;

    KerasGraphReader(KerasArchive archive, Kernels kernels) {
        this.archive = archive;
        this.weights = new KerasWeights(archive);
        this.kernels = kernels;
        this.inbound = new InboundNodes(archive.file);
    }

    Graph read() throws MalformedFileException {
        g = new GraphBuilder(kernels);
        core = new CoreLayers(g, weights);
        recurrent = new RecurrentLayers(g, weights);
        attention = new AttentionLayers(g, weights, kernels);
        merges = new MergeLayers(g);
        operations = new MaskOperations(g);
        masks = new MaskAttributes(g);
        try {
            Port output = readModel();
            // one input: "input (B, T, 8)"; several: "inputs x (B, T, 8), mask (B, T, T) bool"
            StringBuilder inputs = new StringBuilder(
                    inputNames.size() == 1 ? "input " + inputShapes.getFirst() : "inputs");
            for (int i = 0; inputNames.size() > 1 && i < inputNames.size(); i++) {
                inputs.append(i == 0 ? " " : ", ").append(inputNames.get(i)).append(' ').append(inputShapes.get(i));
            }
            String description = "Keras " + modelClass + " (saved by Keras " + archive.kerasVersion + "): " + inputs
                    + (chain.isEmpty() ? "" : " -> " + String.join(" -> ", chain))
                    + (output.sequence() ? "; output per step (B, T, " : "; output (B, ") + output.features() + ")";
            return g.build(output, masks.asBuilt(outputRef, output), description);
        } catch (Unsupported e) {
            g.close();
            throw new MalformedFileException(archive.file, null, e.getMessage(), e);
        } catch (MalformedFileException e) {
            g.close();
            throw e;
        } catch (RuntimeException e) {
            g.close();
            throw new MalformedFileException(archive.file, null,
                    (current == null ? "" : "layer " + current + ": ") + e.getMessage(), e);
        }
    }

    private Port readModel() throws Unsupported, MalformedFileException {
        Object root;
        try {
            root = Json.parse(archive.config);
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(archive.file, null, "the model config is not valid JSON: "
                    + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> m) || !(m.get("class_name") instanceof String cls)
                || !(m.get("config") instanceof Map<?, ?> config)) {
            throw new MalformedFileException(archive.file, "the model config is not a Keras model config");
        }
        modelClass = cls;
        return switch (cls) {
            case "Sequential" -> sequential(config);
            case "Functional", "Model" -> functional(config);
            default -> throw new MalformedFileException(archive.file, "a model of class " + cls
                    + ": attn4j reads Sequential and Functional models (a subclassed model's call() is Python"
                    + " code)");
        };
    }

    // ---- model structure --------------------------------------------------------------------

    private Port sequential(Map<?, ?> config) throws Unsupported, MalformedFileException {
        List<?> layers = config.get("layers") instanceof List<?> l ? l : List.of();
        Map<String, Integer> used = new HashMap<>();
        Port x = null;
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof Map<?, ?> layer) || !(layer.get("class_name") instanceof String cls)
                    || !(layer.get("config") instanceof Map<?, ?> c)) {
                throw new MalformedFileException(archive.file, "layers[" + i + "] of the Sequential is not a layer");
            }
            String name = c.get("name") instanceof String s ? s : cls.toLowerCase(Locale.ROOT) + "_" + i;
            if (cls.equals("InputLayer")) {
                x = input(new LayerConfig(name, cls, c));
                continue;
            }
            if (x == null) {
                x = inputFromShape(name, cls, c);
            }
            LayerEntry e = new LayerEntry(name, cls, c, List.of(), unique(snake(cls), used), false);
            x = layerCall(e, new Call(List.of(new Ref("", 0, 0)), Map.of()), new Port[]{x}, 0)[0];
        }
        if (x == null) {
            throw new MalformedFileException(archive.file, "the Sequential has no layers");
        }
        return x;
    }

    /** A Keras 2 Sequential states its input on the first layer ({@code batch_input_shape}). */
    private Port inputFromShape(String name, String cls, Map<?, ?> c) throws Unsupported {
        Object shape = c.containsKey("batch_shape") ? c.get("batch_shape") : c.get("batch_input_shape");
        if (shape == null) {
            throw new Unsupported(name, cls, "the Sequential states no input shape (build the model with an"
                    + " Input before saving it)");
        }
        Map<String, Object> ic = new LinkedHashMap<>();
        ic.put("batch_shape", shape);
        ic.put("dtype", c.get("dtype") instanceof String s ? s : "float32");
        return input(new LayerConfig("input", "InputLayer", ic));
    }

    private Port functional(Map<?, ?> config) throws Unsupported, MalformedFileException {
        List<?> layers = config.get("layers") instanceof List<?> l ? l : List.of();
        Set<String> legacyLayers = archive.legacy ? weights.legacyLayerNames() : null;
        Map<String, Integer> used = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof Map<?, ?> layer) || !(layer.get("class_name") instanceof String cls)
                    || !(layer.get("config") instanceof Map<?, ?> c)) {
                throw new MalformedFileException(archive.file, "layers[" + i + "] of the model is not a layer");
            }
            String name = layer.get("name") instanceof String s ? s : c.get("name") instanceof String s2 ? s2 : null;
            if (name == null) {
                throw new MalformedFileException(archive.file, "layers[" + i + "] (" + cls + ") has no name");
            }
            List<Call> calls = new ArrayList<>();
            if (layer.get("inbound_nodes") instanceof List<?> nodes) {
                for (Object node : nodes) {
                    calls.add(inbound.call(name, node));
                }
            }
            boolean op = InboundNodes.isOperation(layer, name, legacyLayers);
            entries.put(name, new LayerEntry(name, cls, c, calls, op ? null : unique(snake(cls), used), op));
        }
        List<Ref> inputs = inbound.refs(config.get("input_layers"), "input_layers");
        List<Ref> outputs = inbound.refs(config.get("output_layers"), "output_layers");
        if (inputs.isEmpty()) {
            throw new MalformedFileException(archive.file, "the model has no input");
        }
        if (outputs.size() != 1) {
            throw new MalformedFileException(archive.file, "the model has " + outputs.size()
                    + " outputs; attn4j runs models with one output");
        }
        // the inputs first, in the model's order (the order a caller passes them in), then the
        // layer calls in the order Keras runs them (which decides the masks some layers see)
        for (Ref in : inputs) {
            if (!entries.containsKey(in.layer()) || !entries.get(in.layer()).className().equals("InputLayer")) {
                throw new MalformedFileException(archive.file, "the model's input '" + in.layer()
                        + "' is not an InputLayer");
            }
            resolve(in);
        }
        for (ExecutionOrder.CallKey call : ExecutionOrder.of(archive.file, entries, outputs)) {
            resolve(new Ref(call.layer(), call.node(), 0));
        }
        outputRef = outputs.getFirst();
        Port out = resolve(outputRef);
        if (out == null) {
            throw new MalformedFileException(archive.file, "the model's output is not a tensor");
        }
        return out;
    }

    /** The port of a tensor, building its layer call (and what it needs) first. */
    private Port resolve(Ref ref) throws Unsupported, MalformedFileException {
        LayerEntry e = entries.get(ref.layer());
        if (e == null) {
            throw new MalformedFileException(archive.file, "the config refers to layer '" + ref.layer()
                    + "', which is not in the model");
        }
        String key = ref.layer() + "#" + ref.node();
        Port[] outs = done.get(key);
        if (outs == null) {
            if (!active.add(key)) {
                throw new MalformedFileException(archive.file, "the layer graph has a cycle through '" + ref.layer()
                        + "'");
            }
            if (e.className().equals("InputLayer")) {
                outs = new Port[]{input(new LayerConfig(e.name(), e.className(), e.config()))};
            } else {
                if (ref.node() < 0 || ref.node() >= e.calls().size()) {
                    throw new MalformedFileException(archive.file, "the config refers to call " + ref.node()
                            + " of layer '" + ref.layer() + "', which has " + e.calls().size());
                }
                Call call = e.calls().get(ref.node());
                outs = layerCall(e, call, null, ref.node());
            }
            active.remove(key);
            done.put(key, outs);
        }
        if (ref.index() < 0 || ref.index() >= outs.length) {
            throw new MalformedFileException(archive.file, "the config refers to output " + ref.index() + " of layer '"
                    + ref.layer() + "', which has " + outs.length);
        }
        return outs[ref.index()];
    }

    /**
     * Resolves the tensors of a call's args (Refs to Ports, as the layer reads them when it runs:
     * without a mask a MultiHeadAttention cleared); the Sequential passes its ports directly.
     */
    private Object ports(Object o, Port[] given) throws Unsupported, MalformedFileException {
        if (o instanceof Ref r) {
            return given != null ? given[0] : masks.view(r, resolve(r));
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object e : l) {
                out.add(ports(e, given));
            }
            return out;
        }
        return o;
    }

    // ---- layer calls -------------------------------------------------------------------------

    /**
     * An {@code InputLayer}: float features {@code (batch, steps, features)}, integer token ids
     * {@code (batch, steps)}, or a boolean (or integer) {@code (batch, steps, steps)}, which only an
     * attention mask can be.
     */
    private Port input(LayerConfig c) throws Unsupported {
        Object shape = c.has("batch_shape") ? c.raw("batch_shape") : c.raw("batch_input_shape");
        String dtype = c.string("dtype", "float32");
        if (!(shape instanceof List<?> s) || s.size() < 2 || s.size() > 3) {
            throw c.option("batch_shape", shape, "(batch, steps, features) for floats, (batch, steps) for tokens,"
                    + " (batch, query steps, key steps) for an attention mask");
        }
        boolean tokens = s.size() == 2;
        boolean pairs = s.size() == 3 && (dtype.equals("bool") || LayerConfig.isInt(dtype));
        if (tokens && !LayerConfig.isInt(dtype) || !tokens && !pairs && !dtype.equals("float32")) {
            throw c.option("dtype", dtype, tokens
                    ? "token ids (batch, steps) are integers"
                    : "features (batch, steps, features) are float32, an attention mask bool");
        }
        int steps = dimension(s.get(1));
        int last = s.size() == 3 ? dimension(s.get(2)) : 1;
        if (steps < 0 || last < 0 || !pairs && last == 0) {
            throw c.option("batch_shape", shape, "known features");
        }
        c.finish();
        String run;
        Port p;
        if (pairs) {
            inputNames.add(c.layer);
            inputShapes.add("(B, T, T) " + dtype);
            p = g.attentionMaskInput(c.layer, steps, last);
            run = "the model's input: an attention mask (true = attend)";
        } else {
            String t = steps > 0 ? Integer.toString(steps) : "T";
            inputNames.add(c.layer);
            inputShapes.add(tokens ? "tokens (B, " + t + ")" : "(B, " + t + ", " + last + ")");
            p = g.input(c.layer, tokens, last, steps);
            run = "the model's input";
        }
        g.row(new Graph.LayerRow(c.layer, c.className, c.options(), "", p.shape(), "", run, ""));
        return p;
    }

    /** A dimension of an input shape: its size, 0 for None, -1 for anything else. */
    private static int dimension(Object d) {
        if (d == null) {
            return 0;
        }
        return d instanceof Long n && n > 0 && n <= Integer.MAX_VALUE ? (int) (long) n : -1;
    }

    /** Call {@code node} of a layer: its inputs resolved, its node built, its row recorded. */
    private Port[] layerCall(LayerEntry e, Call call, Port[] given, int node)
            throws Unsupported, MalformedFileException {
        List<Object> args = new ArrayList<>();
        for (Object a : call.args()) {
            args.add(ports(a, given));
        }
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (Map.Entry<String, Object> k : call.kwargs().entrySet()) {
            kwargs.put(k.getKey(), ports(k.getValue(), null));
        }
        current = "'" + e.name() + "' (" + e.className() + ")";
        LayerConfig c = new LayerConfig(e.name(), e.className(), e.config());
        Port in = firstPort(args);
        Port[] outs = build(e, c, args, kwargs);
        String mask = LayerNotes.maskNote(e.className(), in, explicitMask(kwargs), outs[0]);
        if (given == null) {
            mask = masks.note(e, call, mask);
            masks.called(e, node, call, args, kwargs, outs);
        }
        if (!e.operation()) {
            chain.add(LayerNotes.chainEntry(e.className(), c));
        }
        StringBuilder shapes = new StringBuilder();
        for (Port p : outs) {
            shapes.append(shapes.isEmpty() ? "" : ", ").append(p.shape());
        }
        // a layer that passes its input on (dropout, convert_to_tensor) runs nothing of its own
        boolean passesOn = in != null && g.sameValue(in, outs[0]);
        g.row(new Graph.LayerRow(e.name(), e.className(), c.options(), CallArguments.describe(args),
                shapes.toString(), passesOn ? "" : g.weights(outs[0]),
                passesOn
                        ? e.className().equals("ExpandDims")
                                ? "nothing: the mask's bytes seen as (batch, steps, 1)"
                                : "nothing: passes its input on"
                        : g.runs(outs[0]),
                mask));
        current = null;
        return outs;
    }

    private Port[] build(LayerEntry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        String cls = e.className();
        if (e.operation()) {
            return new Port[]{operations.operation(c, args, kwargs)};
        }
        if (IDENTITY.contains(cls)) {
            return new Port[]{core.identity(c, args, kwargs)};
        }
        return switch (cls) {
            case "Masking" -> new Port[]{core.masking(c, args, kwargs)};
            case "Embedding" -> new Port[]{core.embedding(e, c, args, kwargs)};
            case "Dense" -> new Port[]{core.dense(e, c, args, kwargs)};
            case "TimeDistributed" -> new Port[]{core.timeDistributed(e, c, args, kwargs)};
            case "Activation" -> new Port[]{core.activation(c, args, kwargs)};
            case "LayerNormalization" -> new Port[]{core.layerNorm(e, c, args, kwargs)};
            case "GlobalAveragePooling1D", "GlobalMaxPooling1D" -> new Port[]{core.pooling(c, args, kwargs)};
            case "Flatten" -> new Port[]{core.flatten(c, args, kwargs)};
            case "SimpleRNN", "LSTM", "GRU" -> recurrent.recurrent(e, c, args, kwargs);
            case "Bidirectional" -> recurrent.bidirectional(e, c, args, kwargs);
            case "Attention", "AdditiveAttention" -> new Port[]{attention.attention(e, c, args, kwargs)};
            case "MultiHeadAttention" -> new Port[]{attention.multiHead(e, c, args, kwargs)};
            case "Concatenate", "Add", "Subtract", "Average", "Multiply" -> new Port[]{merges.merge(c, args, kwargs)};
            case "Lambda" -> throw c.unsupported("Lambda layers run Python code, which attn4j cannot run;"
                    + " replace it by built-in layers before saving");
            default -> throw c.unsupported("class " + cls + " is not supported (attn4j runs InputLayer, Masking,"
                    + " Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Attention, AdditiveAttention,"
                    + " MultiHeadAttention, GlobalAveragePooling1D, GlobalMaxPooling1D, Flatten, Dense,"
                    + " TimeDistributed(Dense), Concatenate, Add, Subtract, Average, Multiply, Activation,"
                    + " LayerNormalization and the dropout and noise layers)");
        };
    }

    /** Keras' {@code naming.to_snake_case}. */
    static String snake(String name) {
        String s = name.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** Keras' {@code _get_unique_name}: {@code name}, then {@code name_1}, {@code name_2}, ... */
    private static String unique(String name, Map<String, Integer> used) {
        Integer n = used.get(name);
        if (n == null) {
            used.put(name, 0);
            return name;
        }
        used.put(name, n + 1);
        return name + "_" + (n + 1);
    }
}
