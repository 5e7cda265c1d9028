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
 * value ({@link Port}) sized for {@code (maxBatch, maxSeq)}, each node's own scratch
 * ({@link Node#newState}), the call's {@code (batch, seq)} and each row's length. Tensor views of
 * the buffers are made once per call shape and kept, so a steady-state call allocates nothing.
 * Not thread-safe: one frame serves one thread at a time.
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
    private final List<Node> nodes;
    /** The call's shape and each row's valid length {@code L_b} (in {@code [0, seq]}; rows past batch unused). */
    int batch;
    int seq;
    final int[] lengths;
    /** {@code lengths} as an I32 tensor (maxBatch), for attention's key lengths. */
    final MemorySegment lengthSegment;
    private Tensor lengthView;
    private int lengthViewBatch = -1;

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
        states = new Object[nodes.size()];
        lengths = new int[maxBatch];
        try {
            for (Port p : graph.ports()) {
                long per = p.sequence ? (long) maxSeq * p.features : p.features;
                long bytes = switch (p.kind) {
                    case F32, TOKENS -> 4L;
                    case MASK, BOOL -> 1L;
                };
                data[p.id] = arena.allocate(Math.max(1, Math.multiplyExact(maxBatch * per, bytes)), 64);
            }
            lengthSegment = arena.allocate((long) maxBatch * Integer.BYTES, 64);
            for (int i = 0; i < nodes.size(); i++) {
                states[i] = nodes.get(i).newState(this);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    MemorySegment data(Port p) {
        return data[p.id];
    }

    Object state(Node node) {
        return states[node.index];
    }

    /** Elements per batch row of {@code p} in this call: {@code seq * features} or {@code features}. */
    long rowSize(Port p) {
        return p.sequence ? (long) seq * p.features : p.features;
    }

    /** A view {@code (batch, seq, features)} or {@code (batch, features)} of {@code p}'s buffer for this call. */
    Tensor view(Port p) {
        int id = p.id;
        if (views[id] == null || viewBatch[id] != batch || viewSeq[id] != seq) {
            DType dtype = switch (p.kind) {
                case F32 -> DType.F32;
                case TOKENS -> DType.I32;
                case MASK, BOOL -> DType.I8;
            };
            views[id] = p.kind == Port.Kind.MASK
                    ? Tensor.wrap(data[id], dtype, batch, seq)
                    : p.sequence
                            ? Tensor.wrap(data[id], dtype, batch, seq, p.features)
                            : Tensor.wrap(data[id], dtype, batch, p.features);
            viewBatch[id] = batch;
            viewSeq[id] = seq;
        }
        return views[id];
    }

    /** The lengths as an I32 tensor {@code (batch)}. */
    Tensor lengthTensor() {
        if (lengthView == null || lengthViewBatch != batch) {
            lengthView = Tensor.wrap(lengthSegment, DType.I32, batch);
            lengthViewBatch = batch;
        }
        return lengthView;
    }

    /** True when some row is shorter than the call's {@code seq}. */
    boolean truncated() {
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < seq) {
                return true;
            }
        }
        return false;
    }

    /** Zeros the steps {@code t >= L_b} of every row of a float sequence value. */
    void zeroPadding(Port p) {
        MemorySegment s = data[p.id];
        int f = p.features;
        for (int b = 0; b < batch; b++) {
            long from = ((long) b * seq + lengths[b]) * f * Float.BYTES;
            long n = (long) (seq - lengths[b]) * f * Float.BYTES;
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
