package io.attn4j.model.graph;

import io.attn4j.attention.KerasAttention;
import io.attn4j.attention.ScoreFunction;
import io.attn4j.cells.CellType;
import io.attn4j.cells.RecurrentNetwork;
import io.attn4j.cells.RecurrentSpec;
import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    private Port input;
    private int fixedSteps;
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

    private Port port(Port.Kind kind, boolean sequence, int features, Port mask, String label) {
        Port p = new Port(ports.size(), kind, sequence, features, mask, label);
        ports.add(p);
        return p;
    }

    private Port maskPort(String label) {
        return port(Port.Kind.MASK, true, 1, null, label + ".mask");
    }

    private <N extends Node> N add(N node, Port... outputs) {
        node.index = nodes.size();
        node.outputs = outputs;
        nodes.add(node);
        return node;
    }

    /**
     * The model's input: float features {@code (B, T, features)}, or token ids {@code (B, T)} when
     * {@code tokens}.
     *
     * @param fixedSteps the steps the model was built for, or 0 for any
     */
    public Port input(String name, boolean tokens, int features, int fixedSteps) {
        if (input != null) {
            throw new IllegalStateException("the graph has an input already");
        }
        this.fixedSteps = fixedSteps;
        input = port(tokens ? Port.Kind.TOKENS : Port.Kind.F32, true, tokens ? 1 : features, null, name);
        return input;
    }

    /** The steps the model was built for, or 0. */
    public int fixedSteps() {
        return fixedSteps;
    }

    /** The same value with another Keras mask (a layer that passes its input on unchanged). */
    public Port withMask(Port x, Port mask) {
        return x.withMask(mask);
    }

    public Port masking(String name, Port x, float maskValue) {
        Port mask = maskPort(name);
        Port y = port(Port.Kind.F32, true, x.features, mask, name);
        add(new MaskingNode(name, x, maskValue), y, mask);
        return y;
    }

    public Port embedding(String name, Port ids, float[] table, int inputDim, int outputDim, boolean maskZero) {
        Port mask = maskZero ? maskPort(name) : null;
        Port y = port(Port.Kind.F32, true, outputDim, mask, name);
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
        Port y = x.kind == Port.Kind.TOKENS ? maskPort(name) : port(Port.Kind.BOOL, true, x.features, null, name);
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
            if (o != BoolOpNode.Op.ZEROS_LIKE && o != BoolOpNode.Op.ONES_LIKE && x.kind == Port.Kind.F32
                    || !x.sequence) {
                throw new IllegalArgumentException(op + " of " + x + ": attn4j runs it on booleans (batch, steps, n)");
            }
            if ((o == BoolOpNode.Op.OR || o == BoolOpNode.Op.AND) && width(x) != 1 && width(x) != features) {
                throw new IllegalArgumentException(op + " of widths " + width(xs[0]) + " and " + width(xs[1]));
            }
        }
        Port y = port(Port.Kind.BOOL, true, features, null, name);
        add(new BoolOpNode(name, className, xs, o), y);
        return y;
    }

    private static int width(Port p) {
        return p.kind == Port.Kind.MASK || p.kind == Port.Kind.TOKENS ? 1 : p.features;
    }

    /** {@code any(x, axis=-1)} of booleans {@code (B, T, F)}: a mask. */
    public Port any(String name, Port x) {
        Port y = maskPort(name);
        add(new AnyNode(name, x), y);
        return y;
    }

    public Port dense(String name, String className, Port x, float[] kernel, float[] bias, int units,
            Activation activation, Port outMask) {
        Port y = port(Port.Kind.F32, x.sequence, units, outMask, name);
        add(new DenseNode(name, className, x, kernel, bias, units, activation, arena), y);
        return y;
    }

    public Port activation(String name, Port x, Activation activation, Port outMask) {
        Port y = port(Port.Kind.F32, x.sequence, x.features, outMask, name);
        add(new ActivationNode(name, x, activation), y);
        return y;
    }

    /** @param gamma null without {@code scale}; @param beta null without {@code center} */
    public Port layerNorm(String name, Port x, double epsilon, float[] gamma, float[] beta, Port outMask) {
        Port y = port(Port.Kind.F32, x.sequence, x.features, outMask, name);
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
        boolean bidirectional = directions.length == 2;
        Activation act, ract;
        try {
            act = Activation.of(o.activation());
            ract = Activation.of(o.recurrentActivation());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option activation: " + e.getMessage(), e);
        }
        if (act == Activation.SOFTMAX || ract == Activation.SOFTMAX) {
            throw new IllegalArgumentException("option activation='softmax' is not supported in a recurrent cell");
        }
        CellType cell = switch (o.cell()) {
            case "SimpleRNN" -> act == Activation.RELU ? CellType.RNN_RELU : CellType.RNN_TANH;
            case "LSTM" -> CellType.LSTM;
            case "GRU" -> CellType.GRU;
            default -> throw new IllegalArgumentException("not a recurrent layer: " + o.cell());
        };
        // the fused cells run Keras' defaults (tanh, recurrent sigmoid; SimpleRNN tanh or relu; GRU reset_after)
        boolean fast = cell == CellType.RNN_TANH || cell == CellType.RNN_RELU
                ? act == Activation.TANH || act == Activation.RELU
                : act == Activation.TANH && ract == Activation.SIGMOID && (cell != CellType.GRU || o.resetAfter());
        int u = o.units(), in = x.features, gates = cell.gates();
        Recurrence recurrence;
        if (fast) {
            Map<String, Tensor> tensors = new HashMap<>();
            for (int d = 0; d < directions.length; d++) {
                String p = bidirectional ? (d == 0 ? "forward." : "backward.") : "";
                CellWeights w = directions[d];
                tensors.put(p + "kernel", heap(w.kernel(), in, (long) gates * u));
                tensors.put(p + "recurrent_kernel", heap(w.recurrentKernel(), u, (long) gates * u));
                float[] bias = w.bias();
                if (cell == CellType.GRU) {
                    tensors.put(p + "bias", heap(bias != null ? bias : new float[2 * gates * u], 2, (long) gates * u));
                } else {
                    tensors.put(p + "bias", heap(bias != null ? bias : new float[gates * u], (long) gates * u));
                }
            }
            RecurrentSpec spec = new RecurrentSpec(cell, in, u, 1, bidirectional);
            recurrence = new FastRecurrence(RecurrentNetwork.fromKeras(spec, tensors, "", kernels), o.cell());
        } else {
            recurrence = new StepRecurrence(Backend.of(kernels).kernels(), o.cell(), in, u, act, ract, o.resetAfter(),
                    directions);
        }
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
        outs.add(port(Port.Kind.F32, o.returnSequences(), features, o.returnSequences() ? mask : null, name));
        if (o.returnState()) {
            for (int d = 0; d < directions.length; d++) {
                outs.add(port(Port.Kind.F32, false, u, null, name + "[" + outs.size() + "]"));
                if (cell.hasCellState()) {
                    outs.add(port(Port.Kind.F32, false, u, null, name + "[" + outs.size() + "]"));
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
        Port y = port(Port.Kind.F32, true, value.features, queryMask, name);
        add(node, y);
        return y;
    }

    /**
     * Keras {@code MultiHeadAttention}; {@code w} holds the query, key, value and output kernels
     * and biases in that order ({@code (E, H, d)} kernels row-major, biases null without
     * {@code use_bias}).
     */
    public Port multiHead(String name, Port query, Port value, Port key, Port queryMask, Port valueMask,
            Port keyMask, boolean causal, int heads, int keyDim, int valueDim, int outDim, float[][] w) {
        Port y = port(Port.Kind.F32, true, outDim, queryMask, name);
        add(new MultiHeadNode(name, query, value, key, queryMask, valueMask, keyMask, causal, heads, keyDim, valueDim,
                outDim, w, arena, kernels), y);
        return y;
    }

    public Port pool(String name, String className, Port x, Port mask, boolean max) {
        Port y = port(Port.Kind.F32, false, x.features, null, name);
        add(new PoolNode(name, className, x, mask, max), y);
        return y;
    }

    public Port flatten(String name, Port x) {
        if (fixedSteps <= 0) {
            throw new IllegalArgumentException("Flatten needs a fixed number of steps (an Input shape such as"
                    + " (100, 32)), and the model's input has none");
        }
        Port y = port(Port.Kind.F32, false, fixedSteps * x.features, null, name);
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
        Port mask = null;
        if (newMask) {
            boolean same = true;
            for (Port x : xs) {
                same &= x.mask == xs[0].mask && x.mask != null;
            }
            mask = same ? xs[0].mask : maskPort(name);
        }
        Port y = port(Port.Kind.F32, xs[0].sequence, features, mask, name);
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
        for (Node n : nodes) {
            for (Port o : n.outputs) {
                if (o.id == p.id) {
                    return n.runs();
                }
            }
        }
        return "";
    }

    /** The weights of the node that made {@code p}, or "". */
    public String weights(Port p) {
        for (Node n : nodes) {
            for (Port o : n.outputs) {
                if (o.id == p.id) {
                    return n.weights();
                }
            }
        }
        return "";
    }

    /**
     * The graph from the input to {@code output}; the builder's memory passes to it. An attention
     * whose only consumer is an average pooling without a mask is fused with it.
     */
    public Graph build(Port output, String description) {
        if (input == null || output == null) {
            throw new IllegalStateException("the graph needs an input and an output");
        }
        if (output.kind != Port.Kind.F32) {
            throw new IllegalArgumentException("the model's output is not a float value: " + output);
        }
        fuseAttentionMean(output);
        built = true;
        return new Graph(kernels, nodes, input, output, fixedSteps, vocabulary, Graph.distinct(ports), arena, rows,
                description);
    }

    /** Attention -> GlobalAveragePooling1D (no masks, the context read by nothing else): one node. */
    private void fuseAttentionMean(Port output) {
        for (int i = 0; i < nodes.size(); i++) {
            if (!(nodes.get(i) instanceof KerasAttentionNode a) || !a.canPoolMean()) {
                continue;
            }
            Port context = a.outputs[0];
            if (context.id == output.id) {
                continue;
            }
            PoolNode pool = null;
            int readers = 0;
            for (Node n : nodes) {
                for (Port p : n.inputs) {
                    if (p.id == context.id) {
                        readers++;
                        pool = n instanceof PoolNode pn && pn.meansWithoutMask() ? pn : null;
                    }
                }
            }
            if (readers == 1 && pool != null) {
                a.poolMeanInto(pool.outputs[0]);
                nodes.remove(pool);
                for (int k = 0; k < nodes.size(); k++) {
                    nodes.get(k).index = k;
                }
            }
        }
    }

    private static Tensor heap(float[] values, long... shape) {
        return Tensor.wrap(MemorySegment.ofArray(values), DType.F32, shape);
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
