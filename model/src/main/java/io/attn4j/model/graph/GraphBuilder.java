package io.attn4j.model.graph;

import io.attn4j.attention.KerasAttention;
import io.attn4j.attention.ScoreFunction;
import io.attn4j.cells.CellType;
import io.attn4j.engine.kernel.Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link Graph} layer call by layer call, in topological order: each method adds one
 * layer's node (its weights copied into the graph's memory now) and returns its output value.
 * The caller decides which Keras mask each layer receives and passes on; the methods that make
 * a new mask ({@link #masking}, {@link #embedding}, {@link #merge}) make it here.
 *
 * <p>If building fails, {@link #close()} frees everything built so far; after {@link #build}
 * the graph owns it.
 */
public final class GraphBuilder implements AutoCloseable {
    private final Kernels kernels;
    private final Arena arena = Arena.ofShared();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Port> ports = new ArrayList<>();
    private final List<Graph.LayerRow> rows = new ArrayList<>();
    private final List<Port> inputs = new ArrayList<>();
    private int vocabulary;
    private boolean built;

    public GraphBuilder(Kernels kernels) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels is null");
        }
        this.kernels = kernels;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** A new value; {@code axis} its steps (null for a vector {@code (B, features)}). */
    private Port port(Port.Kind kind, int features, Port mask, String label, TimeAxis axis) {
        Port p = new Port(ports.size(), kind, axis != null, features, mask, label, axis, null);
        ports.add(p);
        return p;
    }

    /** A new float value {@code (B, T, features)} on {@code x}'s axis, or {@code (B, features)} when x is a vector. */
    private Port like(Port x, int features, Port mask, String label) {
        return port(Port.Kind.F32, features, mask, label, x.sequence ? x.axis : null);
    }

    private Port maskPort(String label, TimeAxis axis) {
        return port(Port.Kind.MASK, 1, null, label + ".mask", axis);
    }

    /** Requires two sequence values to have the same steps in every call: unites their time axes. */
    private static void sameSteps(Port a, Port b) {
        if (a != null && b != null && a.sequence && b.sequence) {
            TimeAxis.unite(a.axis, b.axis);
        }
    }

    private <N extends Node> N add(N node, Port... outputs) {
        node.index = nodes.size();
        node.outputs = outputs;
        nodes.add(node);
        return node;
    }

    /**
     * A model input with steps of its own: float features {@code (B, T, features)}, or token ids
     * {@code (B, T)} when {@code tokens}. Inputs are numbered in the order they are added.
     *
     * @param fixedSteps the steps the model was built for, or 0 for any
     */
    public Port input(String name, boolean tokens, int features, int fixedSteps) {
        Port p = port(tokens ? Port.Kind.TOKENS : Port.Kind.F32, tokens ? 1 : features, null, name,
                new TimeAxis(name, fixedSteps));
        inputs.add(p);
        return p;
    }

    /**
     * A model input that is an attention mask {@code (B, Tq, Tk)} (Keras' {@code attention_mask},
     * true = attend); its two axes take the steps of the query and the key of the attention that
     * reads it.
     *
     * @param querySteps, keySteps the steps the model was built for, or 0 for any
     */
    public Port attentionMaskInput(String name, int querySteps, int keySteps) {
        Port p = new Port(ports.size(), Port.Kind.PAIRS, true, 1, null, name, new TimeAxis(name, querySteps),
                new TimeAxis(name, keySteps));
        ports.add(p);
        inputs.add(p);
        return p;
    }

    /** True when {@code a} and {@code b} are the same value (whatever mask each carries). */
    public boolean sameValue(Port a, Port b) {
        return a.id == b.id;
    }

    /** The same value with another Keras mask (a layer that passes its input on unchanged). */
    public Port withMask(Port x, Port mask) {
        return x.withMask(mask);
    }

    public Port masking(String name, Port x, float maskValue) {
        Port mask = maskPort(name, x.axis);
        Port y = like(x, x.features, mask, name);
        add(new MaskingNode(name, x, maskValue), y, mask);
        return y;
    }

    public Port embedding(String name, Port ids, float[] table, int inputDim, int outputDim, boolean maskZero) {
        Port mask = maskZero ? maskPort(name, ids.axis) : null;
        Port y = like(ids, outputDim, mask, name);
        vocabulary = Math.max(vocabulary, inputDim);
        if (mask != null) {
            add(new EmbeddingNode(name, ids, table, inputDim, outputDim, arena), y, mask);
        } else {
            add(new EmbeddingNode(name, ids, table, inputDim, outputDim, arena), y);
        }
        return y;
    }

    /** {@code x != value}: booleans {@code (B, T, F)} for floats, a mask {@code (B, T)} for tokens. */
    public Port notEqual(String name, Port x, double value) {
        Port y = x.kind == Port.Kind.TOKENS
                ? maskPort(name, x.axis)
                : port(Port.Kind.BOOL, x.features, null, name, x.axis);
        add(new NotEqualNode(name, x, value), y);
        return y;
    }

    /** {@code expand_dims(mask, -1)}: the mask as booleans {@code (B, T, 1)}, the same memory. */
    public Port expandMask(Port mask) {
        if (mask.kind != Port.Kind.MASK) {
            throw new IllegalArgumentException("expand_dims of " + mask + ": attn4j expands a mask (batch, steps)");
        }
        return mask.asBooleans();
    }

    /**
     * A boolean operation of a mask computation: {@code op} is zeros_like or ones_like (of a value
     * of any kind), logical_or, logical_and, logical_not or concatenate (of booleans).
     */
    public Port booleans(String name, String className, String op, Port[] xs) {
        BoolOpNode.Op o = BoolOpNode.Op.valueOf(op.toUpperCase(java.util.Locale.ROOT));
        int features = switch (o) {
            case ZEROS_LIKE, ONES_LIKE, NOT -> width(xs[0]);
            case OR, AND -> Math.max(width(xs[0]), width(xs[1]));
            case CONCATENATE -> {
                int sum = 0;
                for (Port x : xs) {
                    sum += width(x);
                }
                yield sum;
            }
        };
        for (Port x : xs) {
            if (x.kind == Port.Kind.PAIRS) {
                throw new IllegalArgumentException(op + " of " + x + ", an attention mask input: attn4j passes it to a"
                        + " MultiHeadAttention's attention_mask as it is and computes nothing with it");
            }
            if (o != BoolOpNode.Op.ZEROS_LIKE && o != BoolOpNode.Op.ONES_LIKE && x.kind == Port.Kind.F32
                    || !x.sequence || x.kind == Port.Kind.PAIRS) {
                throw new IllegalArgumentException(op + " of " + x + ": attn4j runs it on booleans (batch, steps, n)");
            }
            if ((o == BoolOpNode.Op.OR || o == BoolOpNode.Op.AND) && width(x) != 1 && width(x) != features) {
                throw new IllegalArgumentException(op + " of widths " + width(xs[0]) + " and " + width(xs[1]));
            }
            sameSteps(xs[0], x);
        }
        Port y = port(Port.Kind.BOOL, features, null, name, xs[0].axis);
        add(new BoolOpNode(name, className, xs, o), y);
        return y;
    }

    private static int width(Port p) {
        return p.kind == Port.Kind.MASK || p.kind == Port.Kind.TOKENS ? 1 : p.features;
    }

    /** {@code any(x, axis=-1)} of booleans {@code (B, T, F)}: a mask. */
    public Port any(String name, Port x) {
        Port y = maskPort(name, x.axis);
        add(new AnyNode(name, x), y);
        return y;
    }

    public Port dense(String name, String className, Port x, float[] kernel, float[] bias, int units,
            Activation activation, Port outMask) {
        sameSteps(x, outMask);
        Port y = like(x, units, outMask, name);
        add(new DenseNode(name, className, x, kernel, bias, units, activation, arena), y);
        return y;
    }

    public Port activation(String name, Port x, Activation activation, Port outMask) {
        sameSteps(x, outMask);
        Port y = like(x, x.features, outMask, name);
        add(new ActivationNode(name, x, activation), y);
        return y;
    }

    /** @param gamma null without {@code scale}; @param beta null without {@code center} */
    public Port layerNorm(String name, Port x, double epsilon, float[] gamma, float[] beta, Port outMask) {
        sameSteps(x, outMask);
        Port y = like(x, x.features, outMask, name);
        add(new LayerNormNode(name, x, epsilon, gamma, beta, arena), y);
        return y;
    }

    /** One direction's Keras weights: kernel {@code (in, G*u)}, recurrent kernel {@code (u, G*u)}, bias or null. */
    public record CellWeights(float[] kernel, float[] recurrentKernel, float[] bias) {
    }

    /** A Keras recurrent layer's options (see {@link RecurrentNode}). */
    public record RecurrentOptions(String cell, String activation, String recurrentActivation, boolean resetAfter,
            int units, boolean returnSequences, boolean returnState, boolean goBackwards,
            boolean[] zeroOutputForMask, String merge) {
    }

    /**
     * A {@code SimpleRNN}, {@code LSTM} or {@code GRU} (one direction's weights) or a
     * {@code Bidirectional} of one (two). Returns the output, then the states when
     * {@code returnState}: {@code h (, c)} per direction.
     *
     * @param mask the Keras mask the layer receives, or null
     * @throws IllegalArgumentException for an activation attn4j does not implement, naming it;
     *         Keras' defaults run on the cells' fused kernels, other activations and
     *         {@code GRU(reset_after=False)} step by step ({@link StepRecurrence})
     */
    public Port[] recurrent(String name, String className, Port x, Port mask, RecurrentOptions o,
            CellWeights[] directions, String description) {
        sameSteps(x, mask);
        boolean bidirectional = directions.length == 2;
        CellType cell = Recurrences.cellType(o);
        int u = o.units();
        Recurrence recurrence = Recurrences.of(kernels, o, cell, x.features, directions);
        RecurrentNode.Merge merge = bidirectional
                ? RecurrentNode.Merge.valueOf(o.merge().toUpperCase(java.util.Locale.ROOT))
                : RecurrentNode.Merge.CONCAT;
        RecurrentNode node;
        try {
            node = new RecurrentNode(name, className, x, mask, recurrence, u, bidirectional, cell.hasCellState(),
                    o.returnSequences(), o.goBackwards(), o.zeroOutputForMask(), merge, description);
        } catch (RuntimeException e) {
            recurrence.close();
            throw e;
        }
        int features = RecurrentNode.outputFeatures(u, bidirectional, merge);
        List<Port> outs = new ArrayList<>();
        outs.add(port(Port.Kind.F32, features, o.returnSequences() ? mask : null, name,
                o.returnSequences() ? x.axis : null));
        if (o.returnState()) {
            for (int d = 0; d < directions.length; d++) {
                outs.add(port(Port.Kind.F32, u, null, name + "[" + outs.size() + "]", null));
                if (cell.hasCellState()) {
                    outs.add(port(Port.Kind.F32, u, null, name + "[" + outs.size() + "]", null));
                }
            }
        }
        Port[] out = outs.toArray(new Port[0]);
        add(node, out);
        return out;
    }

    /**
     * Keras {@code Attention} or {@code AdditiveAttention}.
     *
     * @param keras the layer's score and weights (owned by the graph from now on)
     * @param dotScale for a dot score: its scale (1 without {@code use_scale}); null for the others
     */
    public Port attention(String name, String className, Port query, Port value, Port key, Port queryMask,
            Port valueMask, boolean causal, KerasAttention keras, Float dotScale, String score) {
        sameSteps(value, key);
        sameSteps(query, queryMask);
        sameSteps(value, valueMask);
        ScoreFunction dot = dotScale == null
                ? null
                : dotScale == 1f ? ScoreFunction.dot() : ScoreFunction.scaledDot(dotScale);
        KerasAttentionNode node;
        try {
            node = new KerasAttentionNode(name, className, query, value, key, queryMask, valueMask, causal, keras,
                    dot, score, kernels);
        } catch (RuntimeException e) {
            keras.close();
            throw e;
        }
        Port y = like(query, value.features, queryMask, name);
        add(node, y);
        return y;
    }

    /**
     * Keras {@code MultiHeadAttention}; {@code w} holds the query, key, value and output kernels
     * and biases in that order ({@code (E, H, d)} kernels row-major, biases null without
     * {@code use_bias}).
     *
     * @param attentionMask Keras' {@code attention_mask} {@code (B, Tq, Tk)}, an attention mask
     *        input ({@link #attentionMaskInput}), or null
     * @throws IllegalArgumentException when the attention mask's steps cannot be the query's and
     *         the key's
     */
    public Port multiHead(String name, Port query, Port value, Port key, Port queryMask, Port valueMask,
            Port keyMask, Port attentionMask, boolean causal, int heads, int keyDim, int valueDim, int outDim,
            float[][] w) {
        if (attentionMask != null && attentionMask.kind != Port.Kind.PAIRS) {
            throw new IllegalArgumentException("attention_mask " + attentionMask + " is not a boolean model input"
                    + " (batch, query steps, key steps): attn4j reads the attention mask from an Input");
        }
        sameSteps(value, key);
        sameSteps(query, queryMask);
        sameSteps(value, valueMask);
        sameSteps(value, keyMask);
        if (attentionMask != null) {
            TimeAxis.unite(query.axis, attentionMask.axis);
            TimeAxis.unite(value.axis, attentionMask.keyAxis);
        }
        Port y = like(query, outDim, queryMask, name);
        add(new MultiHeadNode(name, query, value, key, queryMask, valueMask, keyMask, attentionMask, causal, heads,
                keyDim, valueDim, outDim, w, arena, kernels), y);
        return y;
    }

    public Port pool(String name, String className, Port x, Port mask, boolean max) {
        sameSteps(x, mask);
        Port y = port(Port.Kind.F32, x.features, null, name, null);
        add(new PoolNode(name, className, x, mask, max), y);
        return y;
    }

    public Port flatten(String name, Port x) {
        int fixedSteps = x.axis.fixedSteps();
        if (fixedSteps <= 0) {
            throw new IllegalArgumentException("Flatten needs a fixed number of steps (an Input shape such as"
                    + " (100, 32)), and the " + x.axis + " are not fixed");
        }
        Port y = port(Port.Kind.F32, fixedSteps * x.features, null, name, null);
        add(new FlattenNode(name, x, fixedSteps), y);
        return y;
    }

    /**
     * A merge layer; {@code op} is Add, Subtract, Average, Multiply or Concatenate.
     *
     * @param newMask whether the output gets a mask (the merge of the inputs' masks, made here)
     */
    public Port merge(String name, String className, Port[] xs, boolean newMask) {
        MergeNode.Op op = MergeNode.Op.valueOf(className.toUpperCase(java.util.Locale.ROOT));
        int features = 0;
        for (Port x : xs) {
            features = op == MergeNode.Op.CONCATENATE ? features + x.features : x.features;
        }
        for (Port x : xs) {
            sameSteps(xs[0], x);
        }
        Port mask = null;
        if (newMask) {
            boolean same = true;
            for (Port x : xs) {
                same &= x.mask == xs[0].mask && x.mask != null;
            }
            mask = same ? xs[0].mask : maskPort(name, xs[0].axis);
        }
        Port y = like(xs[0], features, mask, name);
        if (mask != null && mask != xs[0].mask) {
            add(new MergeNode(name, className, xs, op), y, mask);
        } else {
            add(new MergeNode(name, className, xs, op), y);
        }
        return y;
    }

    /** Records one row of the layer table that {@link Graph#layers()} returns. */
    public void row(Graph.LayerRow row) {
        rows.add(row);
    }

    /** What attn4j runs for the node that made {@code p} (for the layer table), or "". */
    public String runs(Port p) {
        Node n = producer(p);
        return n == null ? "" : n.runs();
    }

    /** The weights of the node that made {@code p}, or "". */
    public String weights(Port p) {
        Node n = producer(p);
        return n == null ? "" : n.weights();
    }

    private Node producer(Port p) {
        for (Node n : nodes) {
            for (Port o : n.outputs) {
                if (o.id == p.id) {
                    return n;
                }
            }
        }
        return null;
    }

    /**
     * The graph from the inputs to {@code output}; the builder's memory passes to it. An attention
     * whose only consumer is an average pooling without a mask is fused with it.
     *
     * @param zeroMask for a per-step output, the mask (as Keras built the model) where the output
     *        is zeroed, or null
     */
    public Graph build(Port output, Port zeroMask, String description) {
        if (inputs.isEmpty() || output == null) {
            throw new IllegalStateException("the graph needs an input and an output");
        }
        if (output.kind != Port.Kind.F32) {
            throw new IllegalArgumentException("the model's output is not a float value: " + output);
        }
        int axes = TimeAxis.number(inputs, ports);
        AttentionMeanFusion.fuse(nodes, output);
        built = true;
        return new Graph(kernels, nodes, inputs, output, output.sequence ? zeroMask : null, axes, vocabulary,
                Graph.distinct(ports), arena, rows, description);
    }

    /** Frees everything built so far, unless {@link #build} handed it to a graph. */
    @Override
    public void close() {
        if (built) {
            return;
        }
        for (Node n : nodes) {
            n.close();
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
