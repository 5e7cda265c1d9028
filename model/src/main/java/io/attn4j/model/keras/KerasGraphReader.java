package io.attn4j.model.keras;

import io.attn4j.attention.KerasAttention;
import io.attn4j.engine.internal.Json;
import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.graph.Activation;
import io.attn4j.model.graph.Graph;
import io.attn4j.model.graph.GraphBuilder;
import io.attn4j.model.graph.Port;
import io.attn4j.model.keras.KerasWeights.Spec;
import io.attn4j.model.keras.LayerConfig.Unsupported;
import java.lang.foreign.MemorySegment;
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
 * README of {@code testdata/keras} and each layer's method here).
 *
 * <p>Layers: {@code InputLayer}, {@code Masking}, {@code Embedding}, {@code SimpleRNN},
 * {@code LSTM}, {@code GRU}, {@code Bidirectional}, {@code Attention}, {@code AdditiveAttention},
 * {@code GlobalAveragePooling1D}, {@code GlobalMaxPooling1D}, {@code Flatten}, {@code Dense},
 * {@code TimeDistributed(Dense)}, {@code Concatenate}, {@code Add}, {@code Subtract},
 * {@code Average}, {@code Multiply}, {@code Activation}, {@code LayerNormalization}, the dropout
 * and noise layers (no-ops at inference), and the mask operations Keras 3 writes into saved graphs
 * ({@code NotEqual}, {@code Any}, {@code ConvertToTensor}). Anything else is refused, naming the
 * layer, its class and the option.
 */
final class KerasGraphReader {
    private static final Set<String> IDENTITY = Set.of("Dropout", "SpatialDropout1D", "GaussianNoise",
            "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Identity");

    /** One layer of the config: its class, config, calls ("inbound nodes") and its path in a .keras file. */
    private record Entry(String name, String className, Map<?, ?> config, List<Call> calls, String savePath,
            boolean operation) {
    }

    /** One call of a layer: positional args and keyword args, with tensors as {@link Ref}s. */
    private record Call(List<Object> args, Map<String, Object> kwargs) {
    }

    /** A reference to a tensor: output {@code index} of call {@code node} of layer {@code layer}. */
    private record Ref(String layer, int node, int index) {
    }

    private final KerasArchive archive;
    private final KerasWeights weights;
    private final Kernels kernels;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, Port[]> done = new HashMap<>();
    private final Set<String> active = new HashSet<>();
    private final List<String> chain = new ArrayList<>();
    private GraphBuilder g;
    private String modelClass;
    private String current;

    KerasGraphReader(KerasArchive archive, Kernels kernels) {
        this.archive = archive;
        this.weights = new KerasWeights(archive);
        this.kernels = kernels;
    }

    Graph read() throws MalformedFileException {
        g = new GraphBuilder(kernels);
        try {
            Port output = readModel();
            String description = "Keras " + modelClass + " (saved by Keras " + archive.kerasVersion + "): "
                    + String.join(" -> ", chain) + (output.sequence() ? "; output per step (B, T, " : "; output (B, ")
                    + output.features() + ")";
            return g.build(output, description);
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
            Entry e = new Entry(name, cls, c, List.of(), unique(snake(cls), used), false);
            x = layerCall(e, new Call(List.of(new Ref("", 0, 0)), Map.of()), new Port[]{x})[0];
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
                    calls.add(call(name, node));
                }
            }
            boolean op = isOperation(layer, name, legacyLayers);
            entries.put(name, new Entry(name, cls, c, calls, op ? null : unique(snake(cls), used), op));
        }
        List<Ref> inputs = refs(config.get("input_layers"), "input_layers");
        List<Ref> outputs = refs(config.get("output_layers"), "output_layers");
        if (inputs.size() != 1) {
            throw new MalformedFileException(archive.file, "the model has " + inputs.size()
                    + " inputs; attn4j runs models with one input");
        }
        if (outputs.size() != 1) {
            throw new MalformedFileException(archive.file, "the model has " + outputs.size()
                    + " outputs; attn4j runs models with one output");
        }
        Port in = resolve(inputs.getFirst());
        Port out = resolve(outputs.getFirst());
        if (in == null || out == null) {
            throw new MalformedFileException(archive.file, "the model's input or output is not a tensor");
        }
        return out;
    }

    /**
     * Keras 3 records operations (ops.not_equal, ...) as graph nodes; they are not layers. A
     * {@code .keras} config names their module; a legacy {@code .h5} config does not, but its
     * weights list the layers ({@code layer_names}), and an operation is not among them.
     */
    private static boolean isOperation(Map<?, ?> layer, String name, Set<String> legacyLayers) {
        if (layer.get("module") instanceof String m) {
            return m.startsWith("keras.src.ops");
        }
        return legacyLayers != null && !legacyLayers.contains(name);
    }

    private Call call(String layer, Object node) throws MalformedFileException {
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
                    throw new MalformedFileException(archive.file, "layer '" + layer + "': unreadable inbound node");
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
        throw new MalformedFileException(archive.file, "layer '" + layer + "': unreadable inbound node");
    }

    /** A JSON value with every serialized Keras tensor replaced by a {@link Ref}. */
    private Object tensors(Object o) throws MalformedFileException {
        if (o instanceof Map<?, ?> m && "__keras_tensor__".equals(m.get("class_name"))) {
            if (m.get("config") instanceof Map<?, ?> c && c.get("keras_history") instanceof List<?> h && h.size() == 3
                    && h.get(0) instanceof String n && h.get(1) instanceof Long a && h.get(2) instanceof Long b) {
                return new Ref(n, (int) (long) a, (int) (long) b);
            }
            throw new MalformedFileException(archive.file, "a tensor in the config has no keras_history");
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

    private List<Ref> refs(Object o, String key) throws MalformedFileException {
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
        throw new MalformedFileException(archive.file, "the model config's " + key + " is not a list of tensors");
    }

    /** The port of a tensor, building its layer call (and what it needs) first. */
    private Port resolve(Ref ref) throws Unsupported, MalformedFileException {
        Entry e = entries.get(ref.layer());
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
                outs = layerCall(e, call, null);
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

    /** Resolves the tensors of a call's args (Refs to Ports; the Sequential passes its ports directly). */
    private Object ports(Object o, Port[] given) throws Unsupported, MalformedFileException {
        if (o instanceof Ref r) {
            return given != null ? given[0] : resolve(r);
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

    // ---- layers ------------------------------------------------------------------------------

    private Port input(LayerConfig c) throws Unsupported {
        Object shape = c.has("batch_shape") ? c.raw("batch_shape") : c.raw("batch_input_shape");
        String dtype = c.string("dtype", "float32");
        if (!(shape instanceof List<?> s) || s.size() < 2 || s.size() > 3) {
            throw c.option("batch_shape", shape, "(batch, steps, features) for floats or (batch, steps) for tokens");
        }
        boolean tokens = s.size() == 2;
        if (tokens != LayerConfig.isInt(dtype)) {
            throw c.option("dtype", dtype, tokens
                    ? "token ids (batch, steps) are integers"
                    : "features (batch, steps, features) are float32");
        }
        int steps = s.get(1) == null ? 0 : (int) (long) (Long) s.get(1);
        int features = tokens ? 1 : s.get(2) instanceof Long f ? (int) (long) f : -1;
        if (features < 1 || steps < 0) {
            throw c.option("batch_shape", shape, "known features");
        }
        c.finish();
        chain.add("input " + (tokens ? "tokens (B, T)" : "(B, T, " + features + ")"));
        Port p = g.input(c.layer, tokens, features, steps);
        g.row(new Graph.LayerRow(c.layer, c.className, c.options(), "", p.shape(), "", "the model's input", ""));
        return p;
    }

    /** One layer call: its inputs resolved, its node built, its row recorded. */
    private Port[] layerCall(Entry e, Call call, Port[] given) throws Unsupported, MalformedFileException {
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
        String mask = maskNote(e.className(), in, explicitMask(kwargs), outs[0]);
        if (!e.operation()) {
            chain.add(e.className() + (c.has("units") ? "(" + c.map.get("units") + ")" : ""));
        }
        StringBuilder shapes = new StringBuilder();
        for (Port p : outs) {
            shapes.append(shapes.isEmpty() ? "" : ", ").append(p.shape());
        }
        g.row(new Graph.LayerRow(e.name(), e.className(), c.options(), inputs(args), shapes.toString(),
                g.weights(outs[0]), g.runs(outs[0]), mask));
        current = null;
        return outs;
    }

    private Port[] build(Entry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        String cls = e.className();
        if (e.operation()) {
            return new Port[]{operation(c, args, kwargs)};
        }
        if (IDENTITY.contains(cls)) {
            Port x = single(c, args);
            checkKwargs(c, kwargs, "training", "mask");
            c.finish();
            return new Port[]{x};
        }
        return switch (cls) {
            case "Masking" -> new Port[]{masking(c, args, kwargs)};
            case "Embedding" -> new Port[]{embedding(e, c, args, kwargs)};
            case "Dense" -> new Port[]{dense(e, c, args, kwargs, "")};
            case "TimeDistributed" -> new Port[]{timeDistributed(e, c, args, kwargs)};
            case "Activation" -> new Port[]{activation(c, args, kwargs)};
            case "LayerNormalization" -> new Port[]{layerNorm(e, c, args, kwargs)};
            case "SimpleRNN", "LSTM", "GRU" -> recurrent(e, c, args, kwargs);
            case "Bidirectional" -> bidirectional(e, c, args, kwargs);
            case "Attention", "AdditiveAttention" -> new Port[]{attention(e, c, args, kwargs)};
            case "MultiHeadAttention" -> new Port[]{multiHead(e, c, args, kwargs)};
            case "GlobalAveragePooling1D", "GlobalMaxPooling1D" -> new Port[]{pooling(c, args, kwargs)};
            case "Flatten" -> new Port[]{flatten(c, args, kwargs)};
            case "Concatenate", "Add", "Subtract", "Average", "Multiply" -> new Port[]{merge(c, args, kwargs)};
            case "Lambda" -> throw c.unsupported("Lambda layers run Python code, which attn4j cannot run;"
                    + " replace it by built-in layers before saving");
            default -> throw c.unsupported("class " + cls + " is not supported (attn4j runs InputLayer, Masking,"
                    + " Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Attention, AdditiveAttention,"
                    + " MultiHeadAttention, GlobalAveragePooling1D, GlobalMaxPooling1D, Flatten, Dense,"
                    + " TimeDistributed(Dense), Concatenate, Add, Subtract, Average, Multiply, Activation,"
                    + " LayerNormalization and the dropout and noise layers)");
        };
    }

    private Port masking(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        Port x = floatSequence(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        float value = (float) c.number("mask_value", 0.0);
        c.finish();
        return g.masking(c.layer, x, value);
    }

    private Port embedding(Entry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port ids = single(c, args);
        if (ids.kind() != Port.Kind.TOKENS) {
            throw c.unsupported("its input is not the model's token ids (attn4j runs an Embedding on the input)");
        }
        checkKwargs(c, kwargs, "training");
        int inputDim = c.positive("input_dim"), outputDim = c.positive("output_dim");
        boolean maskZero = c.bool("mask_zero", false);
        c.require("embeddings_constraint", null);
        c.finish();
        float[][] w = weights.read(e.name(), e.savePath(), e.className(),
                List.of(new Spec("", "embeddings", inputDim, outputDim)));
        return g.embedding(c.layer, ids, w[0], inputDim, outputDim, maskZero);
    }

    /** Dense on the last axis; {@code sub} is where its variables sit ("layer" inside TimeDistributed). */
    private Port dense(Entry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs, String sub)
            throws Unsupported, MalformedFileException {
        Port x = floatValue(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        return denseOn(e, c, x, sub, x.mask());
    }

    private Port denseOn(Entry e, LayerConfig c, Port x, String sub, Port outMask)
            throws Unsupported, MalformedFileException {
        int units = c.positive("units");
        Activation act = activation(c, c.string("activation", "linear"));
        boolean useBias = c.bool("use_bias", true);
        c.require("lora_rank", null);
        c.finish();
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec(sub, "kernel", x.features(), units));
        if (useBias) {
            specs.add(new Spec(sub, "bias", units));
        }
        float[][] w = weights.read(e.name(), e.savePath(), e.className(), specs);
        return g.dense(c.layer, e.className(), x, w[0], useBias ? w[1] : null, units, act, outMask);
    }

    private Port timeDistributed(Entry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port x = floatSequence(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        LayerConfig inner = c.nested("layer");
        c.finish();
        if (!inner.className.equals("Dense")) {
            throw c.option("layer", inner.className, "attn4j runs TimeDistributed(Dense)");
        }
        Port mask = explicitMask(kwargs) != null ? explicitMask(kwargs) : x.mask();
        return denseOn(e, new LayerConfig(c.layer, "TimeDistributed(Dense)", inner.map), x, "layer", mask);
    }

    private Port activation(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        Port x = floatValue(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        Activation act = activation(c, c.string("activation", "linear"));
        c.finish();
        return g.activation(c.layer, x, act, x.mask());
    }

    private Port layerNorm(Entry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port x = floatValue(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        Object axis = c.raw("axis");
        int last = x.sequence() ? 2 : 1;
        boolean lastAxis = axis == null || Long.valueOf(-1).equals(axis) || Long.valueOf(last).equals(axis)
                || axis instanceof List<?> l && l.size() == 1
                        && (Long.valueOf(-1).equals(l.getFirst()) || Long.valueOf(last).equals(l.getFirst()));
        if (!lastAxis) {
            throw c.option("axis", axis, "attn4j normalizes the last axis");
        }
        double epsilon = c.number("epsilon", 1e-3);
        boolean center = c.bool("center", true), scale = c.bool("scale", true);
        c.require("rms_scaling", false);
        c.finish();
        List<Spec> specs = new ArrayList<>();
        if (scale) {
            specs.add(new Spec("", "gamma", x.features()));
        }
        if (center) {
            specs.add(new Spec("", "beta", x.features()));
        }
        float[][] w = weights.read(e.name(), e.savePath(), e.className(), specs);
        return g.layerNorm(c.layer, x, epsilon, scale ? w[0] : null, center ? w[scale ? 1 : 0] : null, x.mask());
    }

    private Port[] recurrent(Entry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port x = floatSequence(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        Port mask = explicitMask(kwargs) != null ? explicitMask(kwargs) : x.mask();
        Recurrent r = recurrentOptions(c, e.className());
        c.finish();
        float[][] w = weights.read(e.name(), e.savePath(), e.className(), r.specs("cell", x.features()));
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

    private Port[] bidirectional(Entry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port x = floatSequence(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        Port mask = explicitMask(kwargs) != null ? explicitMask(kwargs) : x.mask();
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
        Recurrent f = recurrentOptions(fwd, fwd.className);
        fwd.finish();
        Recurrent b = f;
        if (bwd != null) {
            b = recurrentOptions(bwd, bwd.className);
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
        float[][] w = weights.read(e.name(), e.savePath(), e.className(), specs);
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
    private static final class Recurrent {
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

    private Recurrent recurrentOptions(LayerConfig c, String cls) throws Unsupported {
        Recurrent r = new Recurrent();
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

    private Port attention(Entry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        List<Port> in = portList(c, args);
        if (in.size() < 2 || in.size() > 3) {
            throw c.unsupported("it is called on " + in.size() + " tensors; Keras' attention takes [query, value]"
                    + " or [query, value, key]");
        }
        checkKwargs(c, kwargs, "training", "mask", "use_causal_mask", "return_attention_scores");
        if (Boolean.TRUE.equals(kwargs.get("return_attention_scores"))) {
            throw c.option("return_attention_scores", true, "attn4j returns the attention output");
        }
        boolean causal = Boolean.TRUE.equals(kwargs.get("use_causal_mask")) || c.bool("causal", false);
        Port q = floatSequence(c, in.get(0)), v = floatSequence(c, in.get(1));
        Port k = in.size() == 3 ? floatSequence(c, in.get(2)) : null;
        Port qMask, vMask;
        if (kwargs.get("mask") instanceof List<?> masks) {
            qMask = masks.isEmpty() ? null : masks.get(0) instanceof Port p ? p : null;
            vMask = masks.size() < 2 ? null : masks.get(1) instanceof Port p ? p : null;
        } else {
            qMask = q.mask();
            vMask = v.mask();
        }
        boolean additive = e.className().equals("AdditiveAttention");
        boolean useScale = c.bool("use_scale", additive);
        String mode = additive ? "additive" : c.string("score_mode", "dot");
        if (!additive && !mode.equals("dot") && !mode.equals("concat")) {
            throw c.option("score_mode", mode, "dot or concat");
        }
        c.finish();
        int dim = q.features();
        if ((k == null ? v : k).features() != dim || (!mode.equals("dot") && v.features() != dim)) {
            throw c.unsupported("query, key and value feature sizes " + dim + ", " + (k == null ? v : k).features()
                    + ", " + v.features() + " do not fit");
        }
        List<Spec> specs = new ArrayList<>();
        if (useScale) {
            specs.add(additive ? new Spec("", "scale", dim) : new Spec("", "scale"));
        }
        if (mode.equals("concat")) {
            specs.add(new Spec("", "concat_score_weight"));
        }
        float[][] w = weights.read(e.name(), e.savePath(), e.className(), specs);
        KerasAttention layer;
        Float dotScale = null;
        String score;
        if (additive) {
            layer = KerasAttention.additive(useScale ? heap(w[0], dim) : null, kernels);
            score = "additive" + (useScale ? " (learned scale)" : "");
        } else if (mode.equals("dot")) {
            layer = KerasAttention.attention("dot", useScale ? heap(w[0]) : null, null, kernels);
            dotScale = useScale ? w[0][0] : 1f;
            score = useScale ? "scaled dot (scale " + w[0][0] + ")" : "dot";
        } else {
            layer = KerasAttention.attention("concat", useScale ? heap(w[0]) : null, heap(w[useScale ? 1 : 0]),
                    kernels);
            score = "concat (tanh sum)";
        }
        return g.attention(c.layer, e.className(), q, v, k, qMask, vMask, causal, layer, dotScale, score);
    }

    private Port multiHead(Entry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        checkKwargs(c, kwargs, "training", "query", "value", "key", "query_mask", "value_mask", "key_mask",
                "use_causal_mask", "return_attention_scores");
        if (Boolean.TRUE.equals(kwargs.get("return_attention_scores"))) {
            throw c.option("return_attention_scores", true, "attn4j returns the attention output");
        }
        Port q = argument(c, args, 0, kwargs, "query"), v = argument(c, args, 1, kwargs, "value");
        Port k = argument(c, args, 2, kwargs, "key");
        if (q == null || v == null) {
            throw c.unsupported("it is called without a query and a value tensor");
        }
        floatSequence(c, q);
        floatSequence(c, v);
        if (k != null) {
            floatSequence(c, k);
        }
        // Keras reads the query's mask from the tensor; value and key masks from the call (filled in
        // from the tensors when not given)
        Port vMask = kwargs.get("value_mask") instanceof Port p ? p : v.mask();
        Port kMask = kwargs.get("key_mask") instanceof Port p ? p : k == null ? null : k.mask();
        boolean causal = Boolean.TRUE.equals(kwargs.get("use_causal_mask"));
        int heads = c.positive("num_heads"), keyDim = c.positive("key_dim");
        int valueDim = c.has("value_dim") ? c.positive("value_dim") : keyDim;
        c.raw("value_dim");
        boolean useBias = c.bool("use_bias", true);
        Object outputShape = c.raw("output_shape");
        int outDim = q.features();
        if (outputShape instanceof Long n) {
            outDim = (int) (long) n;
        } else if (outputShape instanceof List<?> l && l.size() == 1 && l.getFirst() instanceof Long n) {
            outDim = (int) (long) n;
        } else if (outputShape != null) {
            throw c.option("output_shape", outputShape, "one size");
        }
        Object axes = c.raw("attention_axes");
        if (axes != null && !Long.valueOf(1).equals(axes) && !List.of(1L).equals(axes)) {
            throw c.option("attention_axes", axes, "attn4j attends over the steps, axis 1");
        }
        c.require("use_gate", false);
        c.require("sliding_window", null);
        c.raw("flash_attention");
        c.finish();
        int kIn = (k == null ? v : k).features();
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec("query_dense", "kernel", q.features(), heads, keyDim));
        if (useBias) {
            specs.add(new Spec("query_dense", "bias", heads, keyDim));
        }
        specs.add(new Spec("key_dense", "kernel", kIn, heads, keyDim));
        if (useBias) {
            specs.add(new Spec("key_dense", "bias", heads, keyDim));
        }
        specs.add(new Spec("value_dense", "kernel", v.features(), heads, valueDim));
        if (useBias) {
            specs.add(new Spec("value_dense", "bias", heads, valueDim));
        }
        specs.add(new Spec("output_dense", "kernel", heads, valueDim, outDim));
        if (useBias) {
            specs.add(new Spec("output_dense", "bias", outDim));
        }
        float[][] read = weights.read(e.name(), e.savePath(), e.className(), specs);
        float[][] w = new float[8][];
        for (int i = 0, at = 0; i < 4; i++) {
            w[2 * i] = read[at++];
            w[2 * i + 1] = useBias ? read[at++] : null;
        }
        return g.multiHead(c.layer, q, v, k, q.mask(), vMask, kMask, causal, heads, keyDim, valueDim, outDim, w);
    }

    /** Positional argument {@code index}, else keyword {@code name}; null when neither is a tensor. */
    private static Port argument(LayerConfig c, List<Object> args, int index, Map<String, Object> kwargs,
            String name) {
        if (index < args.size() && args.get(index) instanceof Port p) {
            return p;
        }
        return kwargs.get(name) instanceof Port p ? p : null;
    }

    private Port pooling(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        Port x = floatSequence(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        c.require("data_format", "channels_last");
        c.require("keepdims", false);
        c.finish();
        boolean max = c.className.equals("GlobalMaxPooling1D");
        Port mask = max ? null : explicitMask(kwargs) != null ? explicitMask(kwargs) : x.mask();
        return g.pool(c.layer, c.className, x, mask, max);
    }

    private Port flatten(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        Port x = floatValue(c, single(c, args));
        checkKwargs(c, kwargs, "training");
        c.raw("data_format");
        c.finish();
        if (!x.sequence()) {
            return g.withMask(x, null);
        }
        try {
            return g.flatten(c.layer, x);
        } catch (IllegalArgumentException ex) {
            throw c.unsupported(ex.getMessage());
        }
    }

    private Port merge(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
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

    /** The operations Keras 3 records where layers compute masks. */
    private Port operation(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        return switch (c.className) {
            case "NotEqual" -> notEqual(c, args, kwargs);
            case "Any" -> any(c, args, kwargs);
            case "ConvertToTensor" -> {
                checkKwargs(c, kwargs);
                c.raw("dtype");
                c.raw("sparse");
                c.raw("ragged");
                yield single(c, args);
            }
            case "ExpandDims" -> {
                checkKwargs(c, kwargs);
                Object axis = c.raw("axis");
                Port x = single(c, args);
                c.finishOperation();
                if (x.kind() != Port.Kind.MASK || !(Long.valueOf(-1).equals(axis) || Long.valueOf(2).equals(axis))) {
                    throw c.unsupported("attn4j runs expand_dims(mask, axis=-1), the mask computation Keras records");
                }
                yield g.expandMask(x);
            }
            case "ZerosLike", "OnesLike", "LogicalOr", "LogicalAnd", "LogicalNot", "Concatenate" -> {
                checkKwargs(c, kwargs);
                c.raw("dtype");
                if (c.className.equals("Concatenate")) {
                    Object axis = c.raw("axis");
                    if (!Long.valueOf(-1).equals(axis) && !Long.valueOf(2).equals(axis)) {
                        throw c.option("axis", axis, "attn4j concatenates masks on the last axis");
                    }
                }
                c.finishOperation();
                List<Port> in = portList(c, args);
                String op = switch (c.className) {
                    case "ZerosLike" -> "zeros_like";
                    case "OnesLike" -> "ones_like";
                    case "LogicalOr" -> "or";
                    case "LogicalAnd" -> "and";
                    case "LogicalNot" -> "not";
                    default -> "concatenate";
                };
                try {
                    yield g.booleans(c.layer, c.className, op, in.toArray(new Port[0]));
                } catch (IllegalArgumentException ex) {
                    throw c.unsupported(ex.getMessage());
                }
            }
            default -> throw c.unsupported("operation " + c.className + " is not supported (attn4j runs the mask"
                    + " operations Keras records: not_equal, any, expand_dims, zeros_like, ones_like, logical_or,"
                    + " logical_and, logical_not, concatenate, convert_to_tensor)");
        };
    }

    private Port notEqual(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        checkKwargs(c, kwargs);
        if (args.size() != 2 || !(args.get(0) instanceof Port x) || !(args.get(1) instanceof Number value)) {
            throw c.unsupported("attn4j runs not_equal(tensor, number), the mask computation Keras records");
        }
        c.finishOperation();
        return g.notEqual(c.layer, x, value.doubleValue());
    }

    private Port any(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        checkKwargs(c, kwargs);
        Port x = single(c, args);
        Object axis = c.raw("axis");
        c.require("keepdims", false);
        c.finishOperation();
        if (x.kind() != Port.Kind.BOOL || !(Long.valueOf(-1).equals(axis) || Long.valueOf(2).equals(axis))) {
            throw c.unsupported("attn4j runs any(booleans, axis=-1), the mask computation Keras records");
        }
        return g.any(c.layer, x);
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static Activation activation(LayerConfig c, String name) throws Unsupported {
        try {
            return Activation.of(name);
        } catch (IllegalArgumentException e) {
            throw c.option("activation", name, "linear, sigmoid, tanh, relu, softmax, elu, selu, softplus, softsign,"
                    + " silu, hard_sigmoid, relu6, leaky_relu, exponential, gelu");
        }
    }

    private static void checkKwargs(LayerConfig c, Map<String, Object> kwargs, String... allowed)
            throws Unsupported {
        for (Map.Entry<String, Object> k : kwargs.entrySet()) {
            if (!List.of(allowed).contains(k.getKey()) && k.getValue() != null
                    && !Boolean.FALSE.equals(k.getValue())) {
                throw c.unsupported("call argument " + k.getKey() + "=" + LayerConfig.show(k.getValue())
                        + " is not supported");
            }
        }
    }

    /** The explicit {@code mask=} of a call, when it is one tensor. */
    private static Port explicitMask(Map<String, Object> kwargs) {
        return kwargs.get("mask") instanceof Port p ? p : null;
    }

    private static Port single(LayerConfig c, List<Object> args) throws Unsupported {
        if (args.size() != 1 || !(args.getFirst() instanceof Port p)) {
            throw c.unsupported("attn4j runs it on one tensor, it is called on " + LayerConfig.show(args));
        }
        return p;
    }

    private static List<Port> portList(LayerConfig c, List<Object> args) throws Unsupported {
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

    private static Port firstPort(List<Object> args) {
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

    private static Port floatSequence(LayerConfig c, Port p) throws Unsupported {
        if (p.kind() != Port.Kind.F32 || !p.sequence()) {
            throw c.unsupported("its input " + p + " is not a float sequence (batch, steps, features)");
        }
        return p;
    }

    private static Port floatValue(LayerConfig c, Port p) throws Unsupported {
        if (p.kind() != Port.Kind.F32) {
            throw c.unsupported("its input " + p + " is not a float tensor");
        }
        return p;
    }

    private static String inputs(List<Object> args) {
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

    /** What happens to the Keras mask at this layer, for the layer table. */
    private static String maskNote(String cls, Port in, Port explicit, Port out) {
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

    private static Tensor heap(float[] values, long... shape) {
        return Tensor.wrap(MemorySegment.ofArray(values), DType.F32, shape);
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
