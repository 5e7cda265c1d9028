package io.attn4j.model.graph;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Checks a call's inputs against the graph's and copies them into the session's frame: the batch
 * they share, each time axis's steps (every input on an axis must have the same) and lengths
 * (given per sequence input; two inputs on one axis must be given the same), then each input's
 * valid steps (F32 features checked finite, token ids as int32, an attention mask as 0/1 bytes),
 * zeros after them.
 *
 * <p>Allocates nothing per call: its scratch is made once with the session. Not thread-safe.
 */
final class CallInputs {
    private final Graph graph;
    private final Frame frame;
    /** Per axis, for this call: its steps, the input that gave them, the input whose lengths cut it (-1: none). */
    private final int[] axisSeq;
    private final int[] stepsFrom;
    private final int[] lengthsFrom;
    /** {@code maxSeq * widest float input} zeros, for the finiteness check. */
    private final MemorySegment zeros;

    CallInputs(Graph graph, Frame frame) {
        this.graph = graph;
        this.frame = frame;
        this.axisSeq = new int[graph.axisCount()];
        this.stepsFrom = new int[graph.axisCount()];
        this.lengthsFrom = new int[graph.axisCount()];
        this.zeros = frame.allocate(zerosBytes(graph, frame.maxSeq));
    }

    /** The zeros' bytes: {@code maxSeq} steps of the widest float input. */
    static long zerosBytes(Graph graph, int maxSeq) {
        int widest = 1;
        for (Port p : graph.inputs) {
            widest = Math.max(widest, p.kind == Port.Kind.F32 ? p.features : 1);
        }
        return (long) maxSeq * widest * Float.BYTES;
    }

    /** How messages name input i: {@code x} for a model with one input, else {@code input 'name'}. */
    String name(int i) {
        return graph.inputs.size() == 1 ? "x" : "input '" + graph.inputs.get(i).label + "'";
    }

    /**
     * Checks every input and every length, then sets the frame's batch, steps and lengths and
     * copies the inputs in.
     *
     * @param xs one tensor per graph input, in the graph's order
     * @param lengths per input: its B lengths, or null for all its steps; or null for none at all
     * @throws IllegalArgumentException naming the input on any mismatch, a NaN or infinity in a
     *         valid step; nothing is computed then
     * @throws IllegalStateException if an input's memory is closed
     */
    void load(Tensor[] xs, int[][] lengths) {
        int n = graph.inputs.size();
        if (xs.length != n || lengths != null && lengths.length != n) {
            throw new IllegalArgumentException(xs.length + " inputs for a model of " + n);
        }
        Arrays.fill(stepsFrom, -1);
        Arrays.fill(lengthsFrom, -1);
        int batch = 0;
        for (int i = 0; i < n; i++) {
            Port in = graph.inputs.get(i);
            checkTensor(i, in, xs[i]);
            if (i == 0) {
                batch = (int) xs[i].dim(0);
            } else if (xs[i].dim(0) != batch) {
                throw new IllegalArgumentException(name(i) + " has a batch of " + xs[i].dim(0) + ", " + name(0)
                        + " of " + batch + ": every input holds the same sequences");
            }
            steps(i, in.axis, (int) xs[i].dim(1));
            if (in.kind == Port.Kind.PAIRS) {
                steps(i, in.keyAxis, (int) xs[i].dim(2));
            }
        }
        for (int i = 0; lengths != null && i < n; i++) {
            if (lengths[i] != null) {
                checkLengths(i, lengths, batch);
            }
        }
        Frame f = frame;
        f.batch = batch;
        for (int a = 0; a < axisSeq.length; a++) {
            f.axes[a].set(batch, axisSeq[a], lengthsFrom[a] < 0 ? null : lengths[lengthsFrom[a]]);
        }
        for (int i = 0; i < n; i++) {
            Port in = graph.inputs.get(i);
            switch (in.kind) {
                case F32 -> loadFloats(i, in, xs[i]);
                case TOKENS -> loadTokens(i, in, xs[i]);
                default -> loadPairs(in, xs[i]);
            }
        }
    }

    private void checkTensor(int i, Port in, Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(name(i) + " is null");
        }
        switch (in.kind) {
            case TOKENS -> {
                if ((x.dtype() != DType.I32 && x.dtype() != DType.I64) || x.rank() != 2) {
                    throw new IllegalArgumentException(name(i) + " must be token ids, I32 or I64 (batch, seq), got "
                            + x.dtype() + Arrays.toString(x.shape()));
                }
            }
            case PAIRS -> {
                if (x.dtype() == DType.F16 || x.dtype() == DType.BF16 || x.rank() != 3) {
                    throw new IllegalArgumentException(name(i) + " must be an attention mask (batch, query steps, key"
                            + " steps), BOOL (or I8, I32, I64, F32: non-zero = attend), got " + x.dtype()
                            + Arrays.toString(x.shape()));
                }
            }
            default -> {
                if (x.dtype() != DType.F32 || x.rank() != 3 || x.dim(2) != in.features) {
                    throw new IllegalArgumentException(name(i) + " must be F32 (batch, seq, " + in.features
                            + "), got " + x.dtype() + Arrays.toString(x.shape()));
                }
            }
        }
        boolean fits = x.dim(0) >= 1 && x.dim(0) <= frame.maxBatch;
        for (int d = 1; d < (in.kind == Port.Kind.PAIRS ? 3 : 2); d++) {
            fits &= x.dim(d) >= 1 && x.dim(d) <= frame.maxSeq;
        }
        if (!fits) {
            throw new IllegalArgumentException(name(i) + " " + Arrays.toString(x.shape()) + " needs batch in [1, "
                    + frame.maxBatch + "] and seq in [1, " + frame.maxSeq + "] (this session's limits)");
        }
        if (!x.isAlive()) {
            throw new IllegalStateException(name(i) + ": the arena that owns this tensor is closed");
        }
        if (!x.isContiguous()) {
            throw new IllegalArgumentException(name(i) + " must be contiguous (row-major), strides are "
                    + Arrays.toString(x.strides()));
        }
    }

    /** Input i gives {@code axis} {@code seq} steps: the first to do so sets them, the others must agree. */
    private void steps(int i, TimeAxis axis, int seq) {
        int fixed = axis.fixedSteps();
        if (fixed > 0 && seq != fixed) {
            throw new IllegalArgumentException(name(i) + " has " + seq + " steps; the model was built for exactly "
                    + fixed + " (its Input shape)");
        }
        int a = axis.index;
        if (stepsFrom[a] < 0) {
            stepsFrom[a] = i;
            axisSeq[a] = seq;
        } else if (axisSeq[a] != seq) {
            throw new IllegalArgumentException(name(i) + " has " + seq + " steps where " + name(stepsFrom[a])
                    + " has " + axisSeq[a] + ": the model needs them equal (the " + axis + ")");
        }
    }

    private void checkLengths(int i, int[][] lengths, int batch) {
        Port in = graph.inputs.get(i);
        int[] given = lengths[i];
        if (in.kind == Port.Kind.PAIRS) {
            throw new IllegalArgumentException("lengths for " + name(i) + ": an attention mask is cut by the lengths"
                    + " of the inputs whose steps it spans (the " + in.axis + " and the " + in.keyAxis + ")");
        }
        if (given.length != batch) {
            throw new IllegalArgumentException(given.length + " lengths for "
                    + (graph.inputs.size() == 1 ? "" : name(i) + ", ") + "a batch of " + batch);
        }
        int a = in.axis.index, seq = axisSeq[a];
        for (int b = 0; b < batch; b++) {
            if (given[b] < 1 || given[b] > seq) {
                throw new IllegalArgumentException((graph.inputs.size() == 1 ? "" : name(i) + ": ") + "lengths[" + b
                        + "] = " + given[b] + " out of range [1, " + seq + "]");
            }
        }
        int j = lengthsFrom[a];
        if (j < 0) {
            lengthsFrom[a] = i;
        } else if (!Arrays.equals(lengths[j], 0, batch, given, 0, batch)) {
            throw new IllegalArgumentException("the lengths of " + name(i) + " differ from those of " + name(j)
                    + ", whose steps the model makes equal (the " + in.axis + ")");
        }
    }

    /** Float features: each row's valid steps, checked finite, then zeros. */
    private void loadFloats(int i, Port in, Tensor x) {
        Frame f = frame;
        MemorySegment dst = f.data(in), src = x.segment();
        Steps steps = f.steps(in);
        int width = in.features;
        for (int b = 0; b < f.batch; b++) {
            long row = (long) b * steps.seq * width;
            long n = (long) steps.lengths[b] * width;
            MemorySegment.copy(src, (x.offset() + row) * Float.BYTES, dst, row * Float.BYTES, n * Float.BYTES);
            checkFinite(i, dst, row, n, b, width, steps.lengths[b]);
        }
        f.zeroPadding(in);
    }

    /**
     * Rejects NaN and infinities in a valid row: {@code sum_i x_i * 0} is 0 exactly when every
     * x_i is finite; only a failing row is scanned again to name the position.
     */
    private void checkFinite(int i, MemorySegment s, long start, long n, int b, int width, int length) {
        if (n == 0 || frame.kernels.dot((int) n, s, start, zeros, 0) == 0f) {
            return;
        }
        for (long e = 0; e < n; e++) {
            float v = s.getAtIndex(Frame.F32, start + e);
            if (!Float.isFinite(v)) {
                String x = graph.inputs.size() == 1 ? "x" : graph.inputs.get(i).label;
                throw new IllegalArgumentException(x + "[" + b + ", " + e / width + ", " + e % width + "] = " + v
                        + " in a valid step (lengths[" + b + "] = " + length + "): replace missing values before"
                        + " predicting (see Sequences)");
            }
        }
    }

    /** Token ids as int32: each row's valid steps, then 0. */
    private void loadTokens(int i, Port in, Tensor x) {
        Frame f = frame;
        MemorySegment dst = f.data(in), src = x.segment();
        Steps steps = f.steps(in);
        boolean wide = x.dtype() == DType.I64;
        for (int b = 0; b < f.batch; b++) {
            for (int t = 0; t < steps.seq; t++) {
                long at = (long) b * steps.seq + t;
                int id = 0;
                if (t < steps.lengths[b]) {
                    long v = wide
                            ? src.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, x.offset() + at)
                            : src.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, x.offset() + at);
                    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                        String name = graph.inputs.size() == 1 ? "x" : graph.inputs.get(i).label;
                        throw new IllegalArgumentException(
                                name + "[" + b + ", " + t + "] = " + v + " is not a token id");
                    }
                    id = (int) v;
                }
                dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, at, id);
            }
        }
    }

    /** An attention mask: 1 where the input is non-zero (or NaN) within both lengths, else 0. */
    private void loadPairs(Port in, Tensor x) {
        Frame f = frame;
        MemorySegment dst = f.data(in), src = x.segment();
        Steps rows = f.steps(in), cols = f.axes[in.keyAxis.index];
        int tq = rows.seq, tk = cols.seq;
        for (int b = 0; b < f.batch; b++) {
            for (int i = 0; i < tq; i++) {
                long at = ((long) b * tq + i) * tk;
                for (int j = 0; j < tk; j++) {
                    boolean keep = i < rows.lengths[b] && j < cols.lengths[b] && nonZero(x, src, at + j);
                    dst.set(ValueLayout.JAVA_BYTE, at + j, keep ? (byte) 1 : 0);
                }
            }
        }
    }

    /** Element {@code e} of x cast to bool, as Keras' {@code ops.cast(mask, "bool")}: non-zero (NaN included). */
    private static boolean nonZero(Tensor x, MemorySegment s, long e) {
        long at = x.offset() + e;
        return switch (x.dtype()) {
            case F32 -> s.getAtIndex(Frame.F32, at) != 0f;
            case I32 -> s.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, at) != 0;
            case I64 -> s.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, at) != 0;
            default -> s.get(ValueLayout.JAVA_BYTE, at) != 0;
        };
    }
}
