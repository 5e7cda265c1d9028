package io.attn4j.model.graph;

import io.attn4j.engine.kernel.Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * A model as a graph of layer calls ({@link Node}s in topological order) from its input values to
 * one output value, built once by a {@link GraphBuilder} with its weights in memory it owns, and
 * run by {@link GraphSession}s (one per thread).
 *
 * <p>Inputs ({@link #inputs()}, in the model's order): float features {@code (B, T, F)}, token
 * ids {@code (B, T)} or an attention mask {@code (B, Tq, Tk)}; the inputs share the batch, and
 * each sequence input has steps of its own unless the layers make them equal (a merge of two
 * inputs, an attention mask's rows and the query it masks: one {@link TimeAxis}). When the model
 * was built for a fixed number of steps, {@code T} must be that number. Output: {@code (B, out)}
 * when the model pools, {@code (B, T, out)} per step, {@code T} the steps of the output's axis.
 *
 * <p>Thread safety: immutable after building; any number of sessions may run at once.
 * {@link #close()} frees the weights; close it only when no call is running.
 */
public final class Graph implements AutoCloseable {
    /** One row of {@link #layers()}: what a layer is in the file and what attn4j runs for it. */
    public record LayerRow(String name, String className, String options, String inputs, String outputShape,
            String weights, String runs, String mask) {
    }

    /** One model input as a caller sees it; see {@link Graph#inputs()}. */
    public record Input(String name, Port.Kind kind, int features, int steps, int keySteps, String stepsOf,
            String keyStepsOf) {
    }

    final Kernels kernels;
    final List<Node> nodes;
    final List<Port> inputs;
    final Port output;
    /** Where a per-step output is zeroed (false steps), or null. */
    final Port outputMask;
    final int axisCount;
    final int vocabulary;
    private final List<Port> ports;
    private final int portCount;
    private final Arena arena;
    private final List<LayerRow> layers;
    private final String description;

    Graph(Kernels kernels, List<Node> nodes, List<Port> inputs, Port output, Port outputMask, int axisCount,
            int vocabulary, List<Port> ports, Arena arena, List<LayerRow> layers, String description) {
        this.kernels = kernels;
        this.nodes = List.copyOf(nodes);
        this.inputs = List.copyOf(inputs);
        this.output = output;
        this.outputMask = outputMask;
        this.axisCount = axisCount;
        this.vocabulary = vocabulary;
        this.ports = List.copyOf(ports);
        int max = 0;
        for (Port p : ports) {
            max = Math.max(max, p.id + 1);
        }
        this.portCount = max;
        this.arena = arena;
        this.layers = List.copyOf(layers);
        this.description = description;
    }

    /**
     * The model's inputs in its order: name, kind ({@link Port.Kind#F32} features,
     * {@link Port.Kind#TOKENS} token ids, {@link Port.Kind#PAIRS} an attention mask), features per
     * step (1 for the others), the steps it was built for (0 for any) along its rows (and, for an
     * attention mask, along its columns), and the input whose steps each axis follows.
     */
    public List<Input> inputs() {
        List<Input> out = new ArrayList<>();
        for (Port p : inputs) {
            boolean pairs = p.kind == Port.Kind.PAIRS;
            out.add(new Input(p.label, p.kind, p.kind == Port.Kind.F32 ? p.features : 1, p.axis.fixedSteps(),
                    pairs ? p.keyAxis.fixedSteps() : 0, p.axis.name(), pairs ? p.keyAxis.name() : null));
        }
        return out;
    }

    /** The inputs' names, comma-separated, for messages. */
    String inputNames() {
        StringBuilder sb = new StringBuilder();
        for (Port p : inputs) {
            sb.append(sb.isEmpty() ? "" : ", ").append(p.label);
        }
        return sb.toString();
    }

    /** True when the first input is token ids (an {@code Embedding} input), false for float features. */
    public boolean takesTokens() {
        return inputs.getFirst().kind == Port.Kind.TOKENS;
    }

    /** Features per step of the first input (1 for token ids). */
    public int inputFeatures() {
        Port first = inputs.getFirst();
        return first.kind == Port.Kind.F32 ? first.features : 1;
    }

    /**
     * How many token ids the first input takes, when it takes token ids: ids {@code [0, n)}, n the
     * smallest {@code input_dim} of the {@code Embedding} layers that read it; 0 for float features.
     */
    public int tokenCount() {
        Port first = inputs.getFirst();
        if (first.kind != Port.Kind.TOKENS) {
            return 0;
        }
        int n = Integer.MAX_VALUE;
        for (Node node : nodes) {
            if (node instanceof EmbeddingNode e && e.inputs[0] == first) {
                n = Math.min(n, e.inputDim);
            }
        }
        return n;
    }

    /** The number of steps the first input was built for, or 0 when any number goes. */
    public int fixedSteps() {
        return inputs.getFirst().axis.fixedSteps();
    }

    /** True when the output keeps the time axis: {@code (B, T, out)}. */
    public boolean perStep() {
        return output.sequence;
    }

    /** Outputs per sequence (per step when {@link #perStep()}). */
    public int outputSize() {
        return output.features;
    }

    /** One line: the layers in order and what runs. */
    public String describe() {
        return description;
    }

    /** Every layer call in order, with its options, shapes, weights, masks and what attn4j runs. */
    public List<LayerRow> layers() {
        return layers;
    }

    /**
     * The off-heap bytes a session for {@code (maxBatch, maxSeq)} holds at most, computed from the
     * layers' shapes without allocating: a buffer per value, each recurrent layer's state and
     * workspace, and each attention layer's projections, exactly; plus, for each attention layer,
     * an upper bound on its scratch, which grows during the first calls to what the largest shape
     * needs (so for a model with attention a session's {@link GraphSession#byteSize()} is at
     * most this, for one without it equals this).
     *
     * @throws IllegalArgumentException as {@link #newSession} would: limits below 1, {@code maxSeq}
     *         below the model's fixed steps, or a session too large for the kernels to index
     */
    public long sessionBytes(int maxBatch, int maxSeq) {
        GraphSession.check(this, maxBatch, maxSeq);
        long bytes = CallInputs.zerosBytes(this, maxSeq);
        for (Port p : ports) {
            bytes = Math.addExact(bytes, Frame.portBytes(p, maxBatch, maxSeq));
        }
        bytes = Math.addExact(bytes, Math.multiplyExact((long) axisCount, (long) maxBatch * Integer.BYTES));
        for (Node n : nodes) {
            bytes = Math.addExact(bytes, n.stateBytes(maxBatch, maxSeq));
        }
        return bytes;
    }

    /** A session for calls of up to {@code maxBatch} sequences of up to {@code maxSeq} steps. */
    public GraphSession newSession(int maxBatch, int maxSeq) {
        requireOpen();
        return new GraphSession(this, maxBatch, maxSeq);
    }

    List<Port> ports() {
        return ports;
    }

    int portCount() {
        return portCount;
    }

    int axisCount() {
        return axisCount;
    }

    /** False once {@link #close()} ran. */
    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** The kernels the graph runs on. */
    public Kernels kernels() {
        return kernels;
    }

    void requireOpen() {
        if (!isOpen()) {
            throw new IllegalStateException("the sequence model is closed");
        }
    }

    /** Frees the weights. Idempotent. */
    @Override
    public void close() {
        if (!isOpen()) {
            return;
        }
        for (Node n : nodes) {
            n.close();
        }
        arena.close();
    }

    static List<Port> distinct(List<Port> ports) {
        List<Port> out = new ArrayList<>();
        boolean[] seen = new boolean[ports.size() + 1];
        for (Port p : ports) {
            if (p.id >= seen.length) {
                seen = java.util.Arrays.copyOf(seen, p.id + 1);
            }
            if (!seen[p.id]) {
                seen[p.id] = true;
                out.add(p);
            }
        }
        return out;
    }
}
