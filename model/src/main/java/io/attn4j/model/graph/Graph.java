package io.attn4j.model.graph;

import io.attn4j.engine.kernel.Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * A model as a graph of layer calls ({@link Node}s in topological order) from one input value to
 * one output value, built once by a {@link GraphBuilder} with its weights in memory it owns, and
 * run by {@link GraphSession}s (one per thread).
 *
 * <p>Input: float features {@code (B, T, F)} or token ids {@code (B, T)}; when the model was
 * built for a fixed number of steps, {@code T} must be that number. Output: {@code (B, out)} when
 * the model pools, {@code (B, T, out)} per step.
 *
 * <p>Thread safety: immutable after building; any number of sessions may run at once.
 * {@link #close()} frees the weights; close it only when no call is running.
 */
public final class Graph implements AutoCloseable {
    /** One row of {@link #layers()}: what a layer is in the file and what attn4j runs for it. */
    public record LayerRow(String name, String className, String options, String inputs, String outputShape,
            String weights, String runs, String mask) {
    }

    final Kernels kernels;
    final List<Node> nodes;
    final Port input;
    final Port output;
    final int fixedSteps;
    final int vocabulary;
    private final List<Port> ports;
    private final int portCount;
    private final Arena arena;
    private final List<LayerRow> layers;
    private final String description;

    Graph(Kernels kernels, List<Node> nodes, Port input, Port output, int fixedSteps, int vocabulary, List<Port> ports,
            Arena arena, List<LayerRow> layers, String description) {
        this.kernels = kernels;
        this.nodes = List.copyOf(nodes);
        this.input = input;
        this.output = output;
        this.fixedSteps = fixedSteps;
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

    /** True when the model takes token ids (an {@code Embedding} input), false for float features. */
    public boolean takesTokens() {
        return input.kind == Port.Kind.TOKENS;
    }

    /** Features per input step (1 for token ids). */
    public int inputFeatures() {
        return input.kind == Port.Kind.TOKENS ? 1 : input.features;
    }

    /** The number of steps the model was built for, or 0 when any number goes. */
    public int fixedSteps() {
        return fixedSteps;
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
