package io.attn4j.model.graph;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One thread's workspace for a {@link Graph}: every buffer a call needs, allocated once for
 * {@code (maxBatch, maxSeq)} and reused; a steady-state call allocates nothing (tensor views are
 * made again only when a call's {@code (batch, seq)} differs from the previous one's).
 *
 * <p>A call's {@code lengths} cut each sequence: row b is computed as the model computes the
 * sequence {@code x[b, :lengths[b]]} alone (Keras' own prediction on that sequence), whatever the
 * other rows and whatever row b holds past its length. A Keras mask (from {@code Masking} or
 * {@code Embedding(mask_zero=True)}) then applies within each sequence exactly as Keras applies
 * it. Per-step outputs are 0 at steps past a length and where the output's Keras mask is false.
 *
 * <p>Not thread-safe: one session serves one thread at a time. Results are views of this
 * session's buffers, valid until its next call.
 */
public final class GraphSession implements AutoCloseable {
    private final Graph graph;
    private final Frame frame;
    private final MemorySegment zeros;
    private Tensor outputView;
    private int outputBatch = -1;
    private int outputSeq = -1;

    GraphSession(Graph graph, int maxBatch, int maxSeq) {
        if (maxBatch < 1 || maxSeq < 1) {
            throw new IllegalArgumentException("maxBatch and maxSeq must be >= 1, got " + maxBatch + ", " + maxSeq);
        }
        if (graph.fixedSteps > 0 && maxSeq < graph.fixedSteps) {
            throw new IllegalArgumentException("maxSeq " + maxSeq + " is below the " + graph.fixedSteps
                    + " steps the model was built for");
        }
        long widest = 1;
        for (Port p : graph.ports()) {
            widest = Math.max(widest, p.features);
        }
        if ((long) maxBatch * maxSeq * Math.max(widest, maxSeq) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxBatch " + maxBatch + " x maxSeq " + maxSeq + " is too large: the"
                    + " kernels index a batch's " + widest + "-wide steps and its score matrices with int");
        }
        this.graph = graph;
        this.frame = new Frame(graph, maxBatch, maxSeq);
        try {
            this.zeros = frame.arena.allocate((long) maxSeq * graph.inputFeatures() * Float.BYTES, 64);
        } catch (RuntimeException e) {
            frame.close();
            throw e;
        }
    }

    public int maxBatch() {
        return frame.maxBatch;
    }

    public int maxSeq() {
        return frame.maxSeq;
    }

    /**
     * Runs the model on a batch.
     *
     * @param x float features {@code (B, T, F)} F32, or token ids {@code (B, T)} I32 or I64;
     *          contiguous; {@code 1 <= B <= maxBatch}, {@code 1 <= T <= maxSeq} (T the model's
     *          fixed length, if it has one); not modified; steps past a length are never read
     * @param lengths B lengths in {@code [1, T]}, or null for all T
     * @return {@code (B, out)} or, per step, {@code (B, T, out)}: a view of this session's buffer,
     *         valid until the next call
     * @throws IllegalArgumentException on a wrong shape, dtype, layout or length, a NaN or
     *         infinity in a valid step, or a token outside an embedding's range; nothing is
     *         computed then
     * @throws IllegalStateException if the session, the model or x's memory is closed
     */
    public Tensor predict(Tensor x, int[] lengths) {
        requireOpen();
        int batch = checkInput(x);
        int seq = (int) x.dim(1);
        checkLengths(lengths, batch, seq);
        Frame f = frame;
        f.batch = batch;
        f.seq = seq;
        for (int b = 0; b < batch; b++) {
            f.lengths[b] = lengths == null ? seq : lengths[b];
            f.lengthSegment.setAtIndex(ValueLayout.JAVA_INT, b, f.lengths[b]);
        }
        loadInput(x);
        for (Node n : graph.nodes) {
            if (n instanceof EmbeddingNode e) {
                e.check(f);
            } else if (n instanceof FlattenNode fl) {
                fl.check(f);
            }
        }
        for (Node n : graph.nodes) {
            n.forward(f);
        }
        return output();
    }

    /** The input port = x's valid steps (converted to int32 for tokens), 0 after them. */
    private void loadInput(Tensor x) {
        Frame f = frame;
        Port in = graph.input;
        MemorySegment dst = f.data(in);
        MemorySegment src = x.segment();
        if (in.kind == Port.Kind.F32) {
            int width = in.features;
            for (int b = 0; b < f.batch; b++) {
                long row = (long) b * f.seq * width;
                long n = (long) f.lengths[b] * width;
                MemorySegment.copy(src, (x.offset() + row) * Float.BYTES, dst, row * Float.BYTES, n * Float.BYTES);
                checkFinite(dst, row, n, b, width);
            }
            f.zeroPadding(in);
            return;
        }
        boolean wide = x.dtype() == DType.I64;
        for (int b = 0; b < f.batch; b++) {
            for (int t = 0; t < f.seq; t++) {
                long at = (long) b * f.seq + t;
                int id = 0;
                if (t < f.lengths[b]) {
                    long v = wide
                            ? src.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, x.offset() + at)
                            : src.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, x.offset() + at);
                    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("x[" + b + ", " + t + "] = " + v + " is not a token id");
                    }
                    id = (int) v;
                }
                dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, at, id);
            }
        }
    }

    /**
     * Rejects NaN and infinities in a valid row: {@code sum_i x_i * 0} is 0 exactly when every
     * x_i is finite; only a failing row is scanned again to name the position.
     */
    private void checkFinite(MemorySegment s, long start, long n, int b, int width) {
        if (n == 0 || frame.kernels.dot((int) n, s, start, zeros, 0) == 0f) {
            return;
        }
        for (long i = 0; i < n; i++) {
            float v = s.getAtIndex(Frame.F32, start + i);
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("x[" + b + ", " + i / width + ", " + i % width + "] = " + v
                        + " in a valid step (lengths[" + b + "] = " + frame.lengths[b] + "): replace missing values"
                        + " before predicting (see Sequences)");
            }
        }
    }

    /** The output port, with per-step outputs zeroed where the output's Keras mask is false. */
    private Tensor output() {
        Frame f = frame;
        Port y = graph.output;
        if (y.sequence && y.mask != null) {
            MemorySegment out = f.data(y), m = f.data(y.mask);
            long rowBytes = (long) y.features * Float.BYTES;
            for (long s = 0; s < (long) f.batch * f.seq; s++) {
                if (m.get(ValueLayout.JAVA_BYTE, s) == 0) {
                    out.asSlice(s * rowBytes, rowBytes).fill((byte) 0);
                }
            }
        }
        if (outputView == null || outputBatch != f.batch || outputSeq != f.seq) {
            outputView = f.view(y);
            outputBatch = f.batch;
            outputSeq = f.seq;
        }
        return outputView;
    }

    private int checkInput(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("x is null");
        }
        Port in = graph.input;
        if (in.kind == Port.Kind.TOKENS) {
            if ((x.dtype() != DType.I32 && x.dtype() != DType.I64) || x.rank() != 2) {
                throw new IllegalArgumentException("x must be token ids, I32 or I64 (batch, seq), got " + x.dtype()
                        + Arrays.toString(x.shape()));
            }
        } else if (x.dtype() != DType.F32 || x.rank() != 3 || x.dim(2) != in.features) {
            throw new IllegalArgumentException("x must be F32 (batch, seq, " + in.features + "), got " + x.dtype()
                    + Arrays.toString(x.shape()));
        }
        if (x.dim(0) < 1 || x.dim(0) > frame.maxBatch || x.dim(1) < 1 || x.dim(1) > frame.maxSeq) {
            throw new IllegalArgumentException("x " + Arrays.toString(x.shape()) + " needs batch in [1, "
                    + frame.maxBatch + "] and seq in [1, " + frame.maxSeq + "] (this session's limits)");
        }
        if (graph.fixedSteps > 0 && x.dim(1) != graph.fixedSteps) {
            throw new IllegalArgumentException("x has " + x.dim(1) + " steps; the model was built for exactly "
                    + graph.fixedSteps + " (its Input shape)");
        }
        if (!x.isAlive()) {
            throw new IllegalStateException("x: the arena that owns this tensor is closed");
        }
        if (!x.isContiguous()) {
            throw new IllegalArgumentException(
                    "x must be contiguous (row-major), strides are " + Arrays.toString(x.strides()));
        }
        return (int) x.dim(0);
    }

    private static void checkLengths(int[] lengths, int batch, int seq) {
        if (lengths == null) {
            return;
        }
        if (lengths.length != batch) {
            throw new IllegalArgumentException(lengths.length + " lengths for a batch of " + batch);
        }
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > seq) {
                throw new IllegalArgumentException(
                        "lengths[" + b + "] = " + lengths[b] + " out of range [1, " + seq + "]");
            }
        }
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
