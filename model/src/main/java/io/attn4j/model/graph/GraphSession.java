package io.attn4j.model.graph;

import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One thread's workspace for a {@link Graph}: every buffer a call needs, allocated once for
 * {@code (maxBatch, maxSeq)} and reused; a steady-state call allocates nothing (tensor views are
 * made again only when a call's shape differs from the previous one's).
 *
 * <p>A call's lengths cut each sequence input: row b is computed as the model computes the
 * sequences {@code x[b, :lengths[b]]} alone (Keras' own prediction on them), whatever the other
 * rows and whatever row b holds past its length. Lengths are given per sequence input; an
 * attention mask input {@code (B, Tq, Tk)} is cut to {@code [:Lq, :Lk]} by the lengths of the
 * inputs whose steps it spans. A Keras mask (from {@code Masking} or
 * {@code Embedding(mask_zero=True)}) then applies within each sequence exactly as Keras applies
 * it. Per-step outputs are 0 at steps past a length and where the output's Keras mask is false.
 *
 * <p>Not thread-safe: one session serves one thread at a time. Results are views of this
 * session's buffers, valid until its next call.
 */
public final class GraphSession implements AutoCloseable {
    private final Graph graph;
    private final Frame frame;
    private final CallInputs inputs;
    /** The one-input call's arguments, as {@link #predict(Tensor[], int[][])} takes them. */
    private final Tensor[] single = new Tensor[1];
    private final int[][] singleLengths = new int[1][];

    GraphSession(Graph graph, int maxBatch, int maxSeq) {
        check(graph, maxBatch, maxSeq);
        this.graph = graph;
        this.frame = new Frame(graph, maxBatch, maxSeq);
        try {
            this.inputs = new CallInputs(graph, frame);
        } catch (RuntimeException e) {
            frame.close();
            throw e;
        }
    }

    /**
     * Refuses a session the model or the kernels could not take, before anything is allocated.
     *
     * @throws IllegalArgumentException unless both limits are >= 1, {@code maxSeq} covers the
     *         model's fixed steps and every buffer has fewer than 2^31 elements
     */
    static void check(Graph graph, int maxBatch, int maxSeq) {
        if (maxBatch < 1 || maxSeq < 1) {
            throw new IllegalArgumentException("maxBatch and maxSeq must be >= 1, got " + maxBatch + ", " + maxSeq);
        }
        for (Port in : graph.inputs) {
            int fixed = Math.max(in.axis.fixedSteps(), in.keyAxis == null ? 0 : in.keyAxis.fixedSteps());
            if (maxSeq < fixed) {
                throw new IllegalArgumentException("maxSeq " + maxSeq + " is below the " + fixed
                        + " steps the model was built for");
            }
        }
        long widest = 1;
        for (Port p : graph.ports()) {
            widest = Math.max(widest, p.features);
        }
        if ((long) maxBatch * maxSeq * Math.max(widest, maxSeq) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxBatch " + maxBatch + " x maxSeq " + maxSeq + " is too large: the"
                    + " kernels index a batch's " + widest + "-wide steps and its score matrices with int");
        }
    }

    /**
     * Off-heap bytes this session holds now: its buffers, the recurrent layers' workspaces and the
     * attention layers' scratch (which grows to what the largest call so far needed); at most
     * {@link Graph#sessionBytes} for its limits. 0 once closed.
     */
    public long byteSize() {
        return frame.byteSize();
    }

    /** Largest batch a call may use. */
    public int maxBatch() {
        return frame.maxBatch;
    }

    /** Longest sequence a call may use. */
    public int maxSeq() {
        return frame.maxSeq;
    }

    /**
     * Runs a model that has one input on a batch.
     *
     * @param x float features {@code (B, T, F)} F32, or token ids {@code (B, T)} I32 or I64;
     *          contiguous; {@code 1 <= B <= maxBatch}, {@code 1 <= T <= maxSeq} (T the model's
     *          fixed length, if it has one); not modified; steps past a length are never read
     * @param lengths B lengths in {@code [1, T]}, or null for all T
     * @return {@code (B, out)} or, per step, {@code (B, T, out)}: a view of this session's buffer,
     *         valid until the next call
     * @throws IllegalArgumentException on a wrong shape, dtype, layout or length, a NaN or
     *         infinity in a valid step, a token outside an embedding's range, or a model with
     *         several inputs; nothing is computed then
     * @throws IllegalStateException if the session, the model or x's memory is closed
     */
    public Tensor predict(Tensor x, int[] lengths) {
        requireOpen();
        if (graph.inputs.size() != 1) {
            throw new IllegalArgumentException("the model has " + graph.inputs.size() + " inputs ("
                    + graph.inputNames() + "): pass each one by name");
        }
        single[0] = x;
        singleLengths[0] = lengths;
        try {
            return predict(single, singleLengths);
        } finally {
            single[0] = null;
            singleLengths[0] = null;
        }
    }

    /**
     * Runs the model on a batch of all its inputs.
     *
     * @param xs one tensor per input, in the order of {@link Graph#inputs()}: float features
     *          {@code (B, T, F)} F32, token ids {@code (B, T)} I32 or I64, an attention mask
     *          {@code (B, Tq, Tk)} (BOOL; I8, I32, I64 and F32 read as non-zero = attend); one B
     *          for all; the steps of the inputs the model makes equal, equal; contiguous; not
     *          modified; steps past a length are never read
     * @param lengths per input, its B lengths in {@code [1, T]} or null for all T (null for an
     *          attention mask); or null: every step of every input
     * @return as {@link #predict(Tensor, int[])}; a per-step output has the steps of the input
     *         whose steps it keeps
     * @throws IllegalArgumentException naming the input: a wrong shape, dtype, layout or length,
     *         steps that differ where the model needs them equal, a NaN or infinity in a valid
     *         step, a token outside an embedding's range; nothing is computed then
     * @throws IllegalStateException if the session, the model or an input's memory is closed
     */
    public Tensor predict(Tensor[] xs, int[][] lengths) {
        requireOpen();
        inputs.load(xs, lengths);
        for (Node n : graph.nodes) {
            if (n instanceof EmbeddingNode e) {
                e.check(frame);
            } else if (n instanceof FlattenNode fl) {
                fl.check(frame);
            }
        }
        for (Node n : graph.nodes) {
            n.forward(frame);
        }
        return output();
    }

    /** The output port, with per-step outputs zeroed where the output's Keras mask is false. */
    private Tensor output() {
        Frame f = frame;
        Port y = graph.output;
        if (y.sequence && graph.outputMask != null) {
            MemorySegment out = f.data(y), m = f.data(graph.outputMask);
            long rowBytes = (long) y.features * Float.BYTES;
            for (long s = 0; s < (long) f.batch * f.seq(y); s++) {
                if (m.get(ValueLayout.JAVA_BYTE, s) == 0) {
                    out.asSlice(s * rowBytes, rowBytes).fill((byte) 0);
                }
            }
        }
        return f.view(y);
    }

    private void requireOpen() {
        if (!frame.arena.scope().isAlive()) {
            throw new IllegalStateException("the session is closed");
        }
        graph.requireOpen();
    }

    /** Frees the buffers. Idempotent. */
    @Override
    public void close() {
        frame.close();
    }
}
