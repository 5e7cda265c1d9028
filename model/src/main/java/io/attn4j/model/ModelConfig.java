package io.attn4j.model;

import io.attn4j.cells.CellType;
import io.attn4j.engine.internal.Json;
import io.attn4j.engine.io.SafeTensorsFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The configuration of a {@link SequenceModel}, format {@value #FORMAT} version {@value #VERSION}:
 * encoder -> optional attention -> pooling -> dense head. It names the weight tensors; their sizes
 * beyond the ones stated here (head widths, the additive score's hidden size) come from the
 * weights themselves.
 *
 * <pre>
 * {"format": "attn4j.sequence-model", "version": 1, "input_size": 32,
 *  "encoder": {"cell": "lstm", "hidden_size": 64, "num_layers": 1, "bidirectional": false,
 *              "layout": "pytorch", "prefix": "lstm."},
 *  "attention": {"kind": "self", "score": "scaled_dot"},
 *  "pooling": "mean",
 *  "head": [{"weight": "fc.weight", "bias": "fc.bias", "activation": "sigmoid"}]}
 * </pre>
 *
 * <p>Keys: {@code encoder.cell} {@code rnn_tanh | rnn_relu | lstm | gru}; {@code num_layers}
 * (default 1), {@code bidirectional} (default false), {@code layout} {@code pytorch | keras}
 * (default pytorch; keras has one layer), {@code prefix} (default ""). {@code attention} absent or
 * null for none, else one of {@code {"kind": "self", "score": S}} (optional {@code scale} for
 * scaled_dot, {@code temperature} for cosine, {@code prefix} for the weights of general
 * ({@code W.weight}) and additive ({@code W1.weight}, {@code W2.weight}, {@code W2.bias},
 * {@code v.weight})), {@code {"kind": "pooling", "score": S, "query": NAME, ...}} (a learned query
 * vector; requires pooling {@code attention}) or {@code {"kind": "multi_head", "num_heads": H,
 * "prefix": P, "causal": false}} (prefix default "", causal default false). {@code pooling}
 * {@code mean | last | max | attention}. {@code head}: one or more
 * {@code {"weight": W, "bias": B, "activation": A}}, bias absent or null for none, A
 * {@code identity | sigmoid | softmax | tanh | relu}.
 *
 * <p>Parsing is strict: an unknown key, a wrong type, a missing required key or a bad value is an
 * {@link IllegalArgumentException} naming the config's source and the key path, e.g.
 * {@code config.json: encoder.hidden_size: expected a positive integer, got "64"}.
 */
public record ModelConfig(int inputSize, Encoder encoder, AttentionPart attention, Pooling pooling, List<Dense> head) {
    public static final String FORMAT = "attn4j.sequence-model";
    public static final int VERSION = 1;
    /** The safetensors {@code __metadata__} key whose value is the config's JSON text. */
    public static final String METADATA_KEY = ModelFiles.METADATA_KEY;

    /** A config and where it was found: the metadata key, or the path of a {@code config.json}. */
    public record Located(ModelConfig config, String source) {
    }

    /**
     * The config of the model whose weights are in {@code file}, looked up as
     * {@link SequenceModel#load} does: the file's {@code __metadata__} key {@value #METADATA_KEY},
     * else {@code config.json} in the same directory. Reads the config only, no weights.
     *
     * @return empty when neither place has a config
     * @throws io.attn4j.engine.io.MalformedFileException if the config found is not valid, naming
     *     the file it came from and the key
     * @throws IOException if {@code config.json} cannot be read
     */
    public static Optional<Located> locate(SafeTensorsFile file) throws IOException {
        return ModelFiles.locate(file);
    }

    /** How the recurrent weights are named and laid out. */
    public enum Layout {
        /** PyTorch's names and layouts: {@code weight_ih_l0 (G*H, in)}, Linear weights {@code (out, in)}. */
        PYTORCH,
        /** Keras' layouts: kernels {@code (in, G*H)}, Dense kernels {@code (in, out)}. */
        KERAS
    }

    /** Attention score functions (see {@link io.attn4j.attention.ScoreFunction}). */
    public enum ScoreKind {
        /** {@code s = q . k}. */
        DOT,
        /** {@code s = q . k / sqrt(d)}. */
        SCALED_DOT,
        /** {@code s = q W k} (Luong's general score). */
        GENERAL,
        /** {@code s = v . tanh(W1 q + W2 k + b)} (Bahdanau's additive score). */
        ADDITIVE,
        /** {@code s = q . k / (|q| |k|)}. */
        COSINE
    }

    /** How the sequence becomes one vector, over the valid steps of each sequence only. */
    public enum Pooling {
        /** The mean of the valid steps. */
        MEAN,
        /** The last valid step. */
        LAST,
        /** The feature-wise maximum over the valid steps. */
        MAX,
        /** The context of a {@link PoolingAttention}: its learned query attending over the valid steps. */
        ATTENTION
    }

    /** Activation after a dense layer; softmax is over the layer's outputs of each sequence. */
    public enum Activation {
        /** No activation. */
        IDENTITY,
        /** {@code 1 / (1 + e^-x)} per output. */
        SIGMOID,
        /** Softmax over the outputs of each sequence. */
        SOFTMAX,
        /** {@code tanh(x)} per output. */
        TANH,
        /** {@code max(x, 0)} per output. */
        RELU
    }

    /**
     * The recurrent encoder.
     *
     * @param prefix prepended to every weight name
     */
    public record Encoder(CellType cell, int hiddenSize, int numLayers, boolean bidirectional, Layout layout,
            String prefix) {
        /** Features per step of the encoder's output: {@code directions * hiddenSize}. */
        public int outputSize() {
            return (bidirectional ? 2 : 1) * hiddenSize;
        }
    }

    /** The attention stage: one of {@link SelfAttention}, {@link PoolingAttention}, {@link MultiHead}. */
    public sealed interface AttentionPart permits SelfAttention, PoolingAttention, MultiHead {
    }

    /**
     * A score function with its options.
     *
     * @param scale for scaled_dot: the factor instead of {@code 1/sqrt(d)}; else null
     * @param temperature for cosine: the divisor; else null
     * @param prefix of the weights of general and additive; "" for the others
     */
    public record Score(ScoreKind kind, Float scale, Float temperature, String prefix) {
    }

    /** Self-attention over the encoder outputs, keys past each sequence's length masked. */
    public record SelfAttention(Score score) implements AttentionPart {
    }

    /** Attention pooling: one learned query vector {@code query (hidden_out,)} attends over the valid encoder outputs. */
    public record PoolingAttention(Score score, String query) implements AttentionPart {
    }

    /** {@code nn.MultiheadAttention} self-attention, weights {@code prefix + in_proj_weight} etc., key padding from the lengths. */
    public record MultiHead(int numHeads, String prefix, boolean causal) implements AttentionPart {
    }

    /**
     * One dense layer, PyTorch {@code nn.Linear} layout.
     *
     * @param weight tensor {@code (out, in)}
     * @param bias tensor {@code (out,)}, or null for none
     */
    public record Dense(String weight, String bias, Activation activation) {
    }

    /**
     * Checks what {@link #parse} checks across keys, for configs made in code.
     *
     * @throws IllegalArgumentException for a missing part, pooling "attention" without attention
     *         pooling (or the reverse), a stacked Keras encoder, or heads that do not divide the
     *         encoder's output size
     */
    public ModelConfig {
        if (inputSize < 1 || encoder == null || pooling == null || head == null || head.isEmpty()) {
            throw new IllegalArgumentException(
                    "a model config needs input_size >= 1, an encoder, a pooling and a head");
        }
        head = List.copyOf(head);
        if ((pooling == Pooling.ATTENTION) != (attention instanceof PoolingAttention)) {
            throw new IllegalArgumentException(
                    "pooling \"attention\" goes with an attention of kind \"pooling\", and only with it");
        }
        if (encoder.layout() == Layout.KERAS && encoder.numLayers() != 1) {
            throw new IllegalArgumentException("a Keras recurrent layer has one layer, got " + encoder.numLayers());
        }
        if (attention instanceof MultiHead m && (m.numHeads() < 1 || encoder.outputSize() % m.numHeads() != 0)) {
            throw new IllegalArgumentException(m.numHeads() + " heads do not divide the encoder's output size "
                    + encoder.outputSize());
        }
        checkSizes(inputSize, encoder, attention);
    }

    /**
     * Refuses sizes whose weight matrices the kernels could not index (2^31 elements or more),
     * before any weight is read or memory allocated: the encoder's {@code W_ih} and {@code W_hh}
     * ({@code gates * hidden} rows of {@code input} or {@code hidden} columns, stacked layers and
     * the attention reading {@code directions * hidden} features), multi-head attention's input
     * projection ({@code 3 E x E}).
     */
    private static void checkSizes(int inputSize, Encoder encoder, AttentionPart attention) {
        if (encoder.hiddenSize() < 1 || encoder.numLayers() < 1) {
            throw new IllegalArgumentException("encoder: hidden_size and num_layers must be >= 1, got "
                    + encoder.hiddenSize() + " and " + encoder.numLayers());
        }
        long rows = (long) encoder.cell().gates() * encoder.hiddenSize();
        long columns = Math.max(Math.max(inputSize, encoder.hiddenSize()), (long) encoder.outputSize());
        if (rows * columns > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("encoder: hidden_size " + encoder.hiddenSize() + " with input_size "
                    + inputSize + " makes a " + rows + " x " + columns + " weight matrix (" + rows * columns
                    + " elements): the kernels index a matrix with int, fewer than 2^31 elements");
        }
        long e = encoder.outputSize();
        if (attention instanceof MultiHead && 3 * e * e > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("attention: multi-head attention over " + e + " features makes a "
                    + 3 * e + " x " + e + " projection: the kernels index a matrix with int, fewer than 2^31 elements");
        }
    }

    /**
     * Parses and checks a config.
     *
     * @param source where the text came from, for messages (a file name, or the metadata key and file)
     * @throws IllegalArgumentException naming {@code source} and the key path of the first problem
     */
    public static ModelConfig parse(String json, String source) {
        Object value;
        try {
            value = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage(), e);
        }
        ConfigReader r = ConfigReader.root(source, value);
        if (!FORMAT.equals(r.string("format"))) {
            throw r.error("format", "expected \"" + FORMAT + "\", got \"" + r.string("format") + "\"");
        }
        if (r.positive("version") != VERSION) {
            throw r.error("version", "expected " + VERSION + ", got " + r.positive("version")
                    + " (this attn4j reads format version " + VERSION + ")");
        }
        int inputSize = r.positive("input_size");
        Encoder encoder = encoder(r.object("encoder"));
        ConfigReader attentionReader = r.optionalObject("attention");
        AttentionPart attention = attentionReader == null ? null : attention(attentionReader, encoder);
        Pooling pooling = Pooling.values()[r.choice("pooling", names(Pooling.values()))];
        if ((pooling == Pooling.ATTENTION) != (attention instanceof PoolingAttention)) {
            throw r.error("pooling", pooling == Pooling.ATTENTION
                    ? "\"attention\" pooling needs an attention of kind \"pooling\""
                    : "an attention of kind \"pooling\" needs \"pooling\": \"attention\", got \"" + name(pooling)
                            + "\"");
        }
        List<Dense> head = new ArrayList<>();
        for (ConfigReader layer : r.objects("head")) {
            head.add(new Dense(layer.string("weight"), layer.string("bias", null),
                    Activation.values()[layer.choice("activation", names(Activation.values()))]));
            layer.finish();
        }
        r.finish();
        try {
            return new ModelConfig(inputSize, encoder, attention, pooling, head);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static Encoder encoder(ConfigReader r) {
        CellType cell = CellType.values()[r.choice("cell", names(CellType.values()))];
        int hidden = r.positive("hidden_size");
        int layers = r.positive("num_layers", 1);
        boolean bidirectional = r.bool("bidirectional", false);
        Layout layout = Layout.values()[r.choice("layout", names(Layout.values()), 0)];
        String prefix = r.string("prefix", "");
        if (layout == Layout.KERAS && layers != 1) {
            throw r.error("num_layers", "a Keras recurrent layer has one layer, got " + layers
                    + " (stacked Keras layers are not supported)");
        }
        r.finish();
        return new Encoder(cell, hidden, layers, bidirectional, layout, prefix);
    }

    private static AttentionPart attention(ConfigReader r, Encoder encoder) {
        int kind = r.choice("kind", List.of("self", "pooling", "multi_head"));
        AttentionPart part = switch (kind) {
            case 0 -> new SelfAttention(score(r));
            case 1 -> new PoolingAttention(score(r), r.string("query"));
            default -> {
                int heads = r.positive("num_heads");
                if (encoder.outputSize() % heads != 0) {
                    throw r.error("num_heads", heads + " heads do not divide the encoder's output size "
                            + encoder.outputSize());
                }
                yield new MultiHead(heads, r.string("prefix", ""), r.bool("causal", false));
            }
        };
        r.finish();
        return part;
    }

    private static Score score(ConfigReader r) {
        ScoreKind kind = ScoreKind.values()[r.choice("score", names(ScoreKind.values()))];
        Float scale = kind == ScoreKind.SCALED_DOT ? r.number("scale") : null;
        Float temperature = null;
        if (kind == ScoreKind.COSINE) {
            temperature = r.number("temperature");
            if (temperature != null && !(temperature > 0)) {
                throw r.error("temperature", "expected a number > 0, got " + temperature);
            }
        }
        String prefix = kind == ScoreKind.GENERAL || kind == ScoreKind.ADDITIVE ? r.string("prefix", "") : "";
        return new Score(kind, scale, temperature, prefix);
    }

    /** The config as JSON that {@link #parse} reads back to an equal config; every key written, defaults included. */
    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("input_size", inputSize);
        Map<String, Object> enc = new LinkedHashMap<>();
        enc.put("cell", name(encoder.cell()));
        enc.put("hidden_size", encoder.hiddenSize());
        enc.put("num_layers", encoder.numLayers());
        enc.put("bidirectional", encoder.bidirectional());
        enc.put("layout", name(encoder.layout()));
        enc.put("prefix", encoder.prefix());
        root.put("encoder", enc);
        root.put("attention", attention == null ? null : attentionJson());
        root.put("pooling", name(pooling));
        List<Object> layers = new ArrayList<>();
        for (Dense d : head) {
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("weight", d.weight());
            layer.put("bias", d.bias());
            layer.put("activation", name(d.activation()));
            layers.add(layer);
        }
        root.put("head", layers);
        return Json.write(root);
    }

    private Map<String, Object> attentionJson() {
        Map<String, Object> a = new LinkedHashMap<>();
        switch (attention) {
            case SelfAttention s -> {
                a.put("kind", "self");
                putScore(a, s.score());
            }
            case PoolingAttention p -> {
                a.put("kind", "pooling");
                putScore(a, p.score());
                a.put("query", p.query());
            }
            case MultiHead m -> {
                a.put("kind", "multi_head");
                a.put("num_heads", m.numHeads());
                a.put("prefix", m.prefix());
                a.put("causal", m.causal());
            }
        }
        return a;
    }

    private static void putScore(Map<String, Object> a, Score s) {
        a.put("score", name(s.kind()));
        if (s.scale() != null) {
            a.put("scale", (double) s.scale());
        }
        if (s.temperature() != null) {
            a.put("temperature", (double) s.temperature());
        }
        if (s.kind() == ScoreKind.GENERAL || s.kind() == ScoreKind.ADDITIVE) {
            a.put("prefix", s.prefix());
        }
    }

    /**
     * One line saying what the model computes, without the sizes only the weights know
     * ("?" stands for them); {@link SequenceModel#describe()} fills them in.
     */
    public String describe() {
        return describe(name -> null);
    }

    /**
     * One line saying what the model computes, e.g. {@code LSTM(32 -> 64, 1 layer) -> scaled-dot
     * self-attention (padding mask) -> masked mean -> Linear(64 -> 1) + sigmoid}.
     *
     * @param shapes the shape of a weight tensor by name, or null when unknown
     */
    public String describe(Function<String, long[]> shapes) {
        StringBuilder sb = new StringBuilder();
        int layers = encoder.numLayers();
        sb.append(encoder.bidirectional() ? "bidirectional " : "")
                .append(switch (encoder.cell()) {
                    case RNN_TANH -> "RNN-tanh";
                    case RNN_RELU -> "RNN-relu";
                    case LSTM -> "LSTM";
                    case GRU -> "GRU";
                })
                .append('(').append(inputSize).append(" -> ")
                .append(encoder.bidirectional() ? "2x" : "").append(encoder.hiddenSize())
                .append(", ").append(layers).append(layers == 1 ? " layer" : " layers")
                .append(encoder.layout() == Layout.KERAS ? ", Keras weights" : "").append(')');
        switch (attention) {
            case null -> {
            }
            case SelfAttention s ->
                sb.append(" -> ").append(scoreName(s.score())).append(" self-attention (padding mask)");
            case PoolingAttention p -> sb.append(" -> ").append(scoreName(p.score()))
                    .append(" attention pooling (learned query ").append(p.query()).append(", padding mask)");
            case MultiHead m -> sb.append(" -> multi-head self-attention (").append(m.numHeads()).append(" heads, ")
                    .append(m.causal() ? "causal + padding mask)" : "padding mask)");
        }
        switch (pooling) {
            case MEAN -> sb.append(" -> masked mean");
            case LAST -> sb.append(" -> last valid step");
            case MAX -> sb.append(" -> masked max");
            case ATTENTION -> {
            }
        }
        String in = String.valueOf(encoder.outputSize());
        for (Dense d : head) {
            long[] shape = shapes.apply(d.weight());
            String out = shape != null && shape.length == 2 ? String.valueOf(shape[0]) : "?";
            sb.append(" -> Linear(").append(in).append(" -> ").append(out).append(')');
            if (d.activation() != Activation.IDENTITY) {
                sb.append(" + ").append(name(d.activation()));
            }
            in = out;
        }
        return sb.toString();
    }

    private static String scoreName(Score s) {
        String base = switch (s.kind()) {
            case DOT -> "dot";
            case SCALED_DOT -> "scaled-dot";
            case GENERAL -> "general";
            case ADDITIVE -> "additive";
            case COSINE -> "cosine";
        };
        if (s.scale() != null) {
            base += " (scale " + s.scale() + ")";
        }
        if (s.temperature() != null) {
            base += " (temperature " + s.temperature() + ")";
        }
        return base;
    }

    /** The JSON spelling of an enum constant: its name in lower case. */
    static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static List<String> names(Enum<?>[] values) {
        List<String> out = new ArrayList<>();
        for (Enum<?> e : values) {
            out.add(name(e));
        }
        return out;
    }
}
