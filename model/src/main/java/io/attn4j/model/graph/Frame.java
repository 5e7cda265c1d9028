package io.attn4j.model.graph;

import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One session's memory for a {@link Graph} and the shape of the call running in it: a buffer per
 * value ({@link Port}) sized for {@code (maxBatch, maxSeq)} (an attention mask for
 * {@code (maxBatch, maxSeq, maxSeq)}), each node's own scratch ({@link Node#newState}), the call's
 * batch and, per time axis, its steps and each row's length ({@link Steps}). Tensor views of the
 * buffers are made once per call shape and kept, so a steady-state call allocates nothing. Not
 * thread-safe: one frame serves one thread at a time.
 */
final class Frame implements AutoCloseable {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** The graph's kernels without argument checks (the nodes' own math; the layers they call check theirs). */
    final Kernels kernels;
    final int maxBatch;
    final int maxSeq;
    final Arena arena = Arena.ofShared();
    private final MemorySegment[] data;
    private final Object[] states;
    private final Tensor[] views;
    private final int[] viewBatch;
    private final int[] viewSeq;
    private final int[] viewKeySeq;
    private final List<Node> nodes;
    /** The call's batch. */
    int batch;
    /** Per time axis of the graph (by {@link TimeAxis#index}). */
    final Steps[] axes;
    /** The bytes {@link #allocate} gave out. */
    private long allocated;

    Frame(Graph graph, int maxBatch, int maxSeq) {
        this.kernels = Backend.of(graph.kernels).kernels();
        this.maxBatch = maxBatch;
        this.maxSeq = maxSeq;
        this.nodes = graph.nodes;
        int ports = graph.portCount();
        data = new MemorySegment[ports];
        views = new Tensor[ports];
        viewBatch = new int[ports];
        viewSeq = new int[ports];
        viewKeySeq = new int[ports];
        states = new Object[nodes.size()];
        axes = new Steps[graph.axisCount()];
        try {
            for (Port p : graph.ports()) {
                data[p.id] = allocate(portBytes(p, maxBatch, maxSeq));
            }
            for (int i = 0; i < axes.length; i++) {
                axes[i] = new Steps(maxBatch, allocate((long) maxBatch * Integer.BYTES));
            }
            for (int i = 0; i < nodes.size(); i++) {
                states[i] = nodes.get(i).newState(this);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A value's buffer: {@code maxBatch} rows of {@code maxSeq} steps (or one) of its elements. */
    static long portBytes(Port p, int maxBatch, int maxSeq) {
        long per = p.kind == Port.Kind.PAIRS
                ? (long) maxSeq * maxSeq
                : p.sequence ? (long) maxSeq * p.features : p.features;
        long bytes = switch (p.kind) {
            case F32, TOKENS -> 4L;
            case MASK, BOOL, PAIRS -> 1L;
        };
        return Math.max(1, Math.multiplyExact(Math.multiplyExact(maxBatch, per), bytes));
    }

    /** {@code bytes} of this frame's memory, cache-line aligned, counted in {@link #byteSize()}. */
    MemorySegment allocate(long bytes) {
        MemorySegment s = arena.allocate(bytes, 64);
        allocated += bytes;
        return s;
    }

    /** Off-heap bytes held now: the buffers and the nodes' scratch; 0 once closed. */
    long byteSize() {
        if (!arena.scope().isAlive()) {
            return 0;
        }
        long bytes = allocated;
        for (int i = 0; i < states.length; i++) {
            bytes += states[i] == null ? 0 : nodes.get(i).heldBytes(states[i]);
        }
        return bytes;
    }

    MemorySegment data(Port p) {
        return data[p.id];
    }

    Object state(Node node) {
        return states[node.index];
    }

    /** The steps and lengths of a sequence value's axis (the query axis of an attention mask). */
    Steps steps(Port p) {
        return axes[p.axis.index];
    }

    /** The steps of a sequence value in this call. */
    int seq(Port p) {
        return axes[p.axis.index].seq;
    }

    /** Each row's valid length along a sequence value's axis. */
    int[] lengths(Port p) {
        return axes[p.axis.index].lengths;
    }

    /** The lengths along a sequence value's axis as an I32 tensor {@code (batch)}. */
    Tensor lengthTensor(Port p) {
        return axes[p.axis.index].lengthTensor(batch);
    }

    /**
     * A view of {@code p}'s buffer for this call: {@code (batch, seq, features)},
     * {@code (batch, features)}, {@code (batch, seq)} for a mask or token ids, {@code (batch, Tq, Tk)}
     * for an attention mask.
     */
    Tensor view(Port p) {
        int id = p.id;
        int seq = p.sequence ? seq(p) : 0;
        int keySeq = p.kind == Port.Kind.PAIRS ? axes[p.keyAxis.index].seq : 0;
        if (views[id] == null || viewBatch[id] != batch || viewSeq[id] != seq || viewKeySeq[id] != keySeq) {
            DType dtype = switch (p.kind) {
                case F32 -> DType.F32;
                case TOKENS -> DType.I32;
                case MASK, BOOL, PAIRS -> DType.I8;
            };
            views[id] = switch (p.kind) {
                case MASK, TOKENS -> Tensor.wrap(data[id], dtype, batch, seq);
                case PAIRS -> Tensor.wrap(data[id], dtype, batch, seq, keySeq);
                default -> p.sequence
                        ? Tensor.wrap(data[id], dtype, batch, seq, p.features)
                        : Tensor.wrap(data[id], dtype, batch, p.features);
            };
            viewBatch[id] = batch;
            viewSeq[id] = seq;
            viewKeySeq[id] = keySeq;
        }
        return views[id];
    }

    /** Zeros the steps {@code t >= L_b} of every row of a float sequence value. */
    void zeroPadding(Port p) {
        MemorySegment s = data[p.id];
        Steps steps = steps(p);
        int f = p.features, seq = steps.seq;
        for (int b = 0; b < batch; b++) {
            long from = ((long) b * seq + steps.lengths[b]) * f * Float.BYTES;
            long n = (long) (seq - steps.lengths[b]) * f * Float.BYTES;
            if (n > 0) {
                s.asSlice(from, n).fill((byte) 0);
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < states.length; i++) {
            if (states[i] instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing scratch cannot fail in a way the caller could act on
                }
            }
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
