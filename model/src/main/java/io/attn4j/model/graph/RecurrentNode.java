package io.attn4j.model.graph;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras {@code SimpleRNN}, {@code LSTM}, {@code GRU} and {@code Bidirectional} of one of them, with
 * Keras' mask semantics, over a {@link Recurrence} that runs valid-steps-first rows.
 *
 * <h2>Keras' semantics, per row with length L and mask m (all valid without a mask)</h2>
 * The layer processes steps {@code 0..L-1} ({@code L-1..0} with {@code go_backwards}, and for a
 * Bidirectional's backward layer). At a masked step the state is carried unchanged and the
 * output is the previous output (zeros before the first valid step), or 0 with
 * {@code zero_output_for_mask} (set on a Bidirectional's layers when it returns sequences).
 * {@code return_sequences}: outputs in processing order ({@code go_backwards} thus returns them
 * reversed, as Keras does; a Bidirectional flips its backward outputs back to input time);
 * otherwise the last processed step's output. {@code return_state}: the final states.
 * Bidirectional merges with {@code concat}, {@code sum}, {@code ave} or {@code mul}.
 *
 * <h2>How it runs</h2>
 * Without a mask and forward in time, the recurrence runs on the input directly with the row
 * lengths (its reverse direction is Keras' backward layer). Otherwise each row's valid steps are
 * first gathered in processing order (compaction: a carried state makes a masked step a no-op),
 * the recurrence runs on the compacted rows, and the outputs are scattered back with the
 * masked steps filled as Keras fills them. Same arithmetic either way: a row's result does not
 * depend on where its masked steps are.
 */
final class RecurrentNode extends Node {
    /** How a Bidirectional combines its two directions. */
    enum Merge {
        CONCAT, SUM, AVE, MUL
    }

    private final Recurrence recurrence;
    private final Port mask;
    private final int in;
    private final int units;
    private final int dirs;
    private final boolean hasCell;
    private final boolean returnSequences;
    private final boolean goBackwards;
    private final boolean[] zeroOutputForMask;
    private final Merge merge;
    private final String description;

    RecurrentNode(String name, String className, Port x, Port mask, Recurrence recurrence, int units,
            boolean bidirectional, boolean hasCell, boolean returnSequences, boolean goBackwards,
            boolean[] zeroOutputForMask, Merge merge, String description) {
        super(name, className, new Port[]{x});
        this.recurrence = recurrence;
        this.mask = mask;
        this.in = x.features;
        this.units = units;
        this.dirs = bidirectional ? 2 : 1;
        this.hasCell = hasCell;
        this.returnSequences = returnSequences;
        this.goBackwards = goBackwards;
        this.zeroOutputForMask = zeroOutputForMask;
        this.merge = merge;
        this.description = description;
    }

    /** Features of the main output. */
    static int outputFeatures(int units, boolean bidirectional, Merge merge) {
        return bidirectional && merge == Merge.CONCAT ? 2 * units : units;
    }

    private final class State implements AutoCloseable {
        final AutoCloseable workspace;
        /** compactIn [B, T, in] | full [B, T, dirs*units] | hN, cN [dirs, B, units] */
        final MemorySegment compactIn;
        final MemorySegment full;
        final MemorySegment hN;
        final MemorySegment cN;
        /** [B, T, 2*units] before a sum, ave or mul merge of masked outputs; else null. */
        final MemorySegment scattered;
        /** Per row: its valid steps in increasing order, and their count. */
        final int[] valid;
        final int[] count;
        int[] counts = new int[0];
        int viewBatch = -1;
        int viewSeq = -1;
        Tensor xCompact;
        Tensor fullView;
        Tensor hView;
        Tensor cView;

        State(Frame f) {
            long bt = (long) f.maxBatch * f.maxSeq;
            workspace = recurrence.newWorkspace(f.maxBatch, f.maxSeq);
            compactIn = f.allocate(bt * in * Float.BYTES);
            full = f.allocate(bt * dirs * units * Float.BYTES);
            hN = f.allocate((long) dirs * f.maxBatch * units * Float.BYTES);
            cN = hasCell ? f.allocate((long) dirs * f.maxBatch * units * Float.BYTES) : null;
            scattered = dirs == 2 && merge != Merge.CONCAT
                    ? f.allocate(bt * dirs * units * Float.BYTES)
                    : null;
            valid = new int[f.maxBatch * f.maxSeq];
            count = new int[f.maxBatch];
        }

        void views(int batch, int seq) {
            if (batch == viewBatch && seq == viewSeq) {
                return;
            }
            xCompact = Tensor.wrap(compactIn, DType.F32, batch, seq, in);
            fullView = Tensor.wrap(full, DType.F32, batch, seq, (long) dirs * units);
            hView = Tensor.wrap(hN, DType.F32, dirs, batch, units);
            cView = cN == null ? null : Tensor.wrap(cN, DType.F32, dirs, batch, units);
            if (counts.length != batch) {
                counts = new int[batch];
            }
            viewBatch = batch;
            viewSeq = seq;
        }

        @Override
        public void close() throws Exception {
            workspace.close();
        }
    }

    @Override
    Object newState(Frame frame) {
        return new State(frame);
    }

    /** The state's buffers, as {@link State} allocates them, and the recurrence's workspace. */
    @Override
    long stateBytes(int maxBatch, int maxSeq) {
        long bt = (long) maxBatch * maxSeq, dirUnits = (long) dirs * units;
        long floats = bt * in + bt * dirUnits + (hasCell ? 2 : 1) * dirUnits * maxBatch
                + (dirs == 2 && merge != Merge.CONCAT ? bt * dirUnits : 0);
        return Math.addExact(Math.multiplyExact(floats, (long) Float.BYTES),
                recurrence.workspaceBytes(maxBatch, maxSeq));
    }

    @Override
    long heldBytes(Object state) {
        return recurrence.byteSize(((State) state).workspace);
    }

    @Override
    void forward(Frame f) {
        State s = (State) f.state(this);
        s.views(f.batch, f.seq(inputs[0]));
        Port x = inputs[0];
        boolean direct = mask == null && !goBackwards;
        if (direct) {
            System.arraycopy(f.lengths(inputs[0]), 0, s.counts, 0, f.batch);
            System.arraycopy(f.lengths(inputs[0]), 0, s.count, 0, f.batch);
            // sequences in concat order go straight into the output
            Tensor out = returnSequences && (dirs == 1 || merge == Merge.CONCAT) ? f.view(outputs[0]) : s.fullView;
            recurrence.forward(s.workspace, f.view(x), s.counts, out, s.hView, s.cView);
        } else {
            compact(f, s);
            recurrence.forward(s.workspace, s.xCompact, s.counts, s.fullView, s.hView, s.cView);
            for (int b = 0; b < f.batch; b++) {
                if (s.count[b] == 0) {
                    zeroStates(f, s, b);
                }
            }
        }
        if (returnSequences) {
            sequences(f, s, direct);
        } else {
            lastOutputs(f, s);
        }
        states(f, s);
    }

    /** compactIn row b = the valid steps of x row b in processing order; counts = max(1, n_b). */
    private void compact(Frame f, State s) {
        Port x = inputs[0];
        MemorySegment src = f.data(x);
        MemorySegment m = mask == null ? null : f.data(mask);
        long rowBytes = (long) in * Float.BYTES;
        for (int b = 0; b < f.batch; b++) {
            int len = f.lengths(inputs[0])[b], n = 0;
            long base = (long) b * f.seq(inputs[0]);
            for (int t = 0; t < len; t++) {
                if (m == null || m.get(ValueLayout.JAVA_BYTE, base + t) != 0) {
                    s.valid[b * f.maxSeq + n++] = t;
                }
            }
            s.count[b] = n;
            for (int k = 0; k < n; k++) {
                int t = s.valid[b * f.maxSeq + (goBackwards ? n - 1 - k : k)];
                MemorySegment.copy(src, (base + t) * rowBytes, s.compactIn, (base + k) * rowBytes, rowBytes);
            }
            if (n == 0) {
                s.compactIn.asSlice(base * rowBytes, rowBytes).fill((byte) 0);
            }
            s.counts[b] = Math.max(1, n);
        }
    }

    private void zeroStates(Frame f, State s, int b) {
        long bytes = (long) units * Float.BYTES;
        for (int d = 0; d < dirs; d++) {
            long at = ((long) d * f.batch + b) * bytes;
            s.hN.asSlice(at, bytes).fill((byte) 0);
            if (s.cN != null) {
                s.cN.asSlice(at, bytes).fill((byte) 0);
            }
        }
    }

    /** The sequence output: Keras' value at every step, placed and merged; 0 past each length. */
    private void sequences(Frame f, State s, boolean direct) {
        Port y = outputs[0];
        MemorySegment out = f.data(y);
        int width = dirs * units;
        if (direct) {
            if (merge != Merge.CONCAT && dirs == 2) {
                mergeRows(f, s.full, out);
            } // else the recurrence wrote the output
            return;
        }
        boolean merged = dirs == 2 && merge != Merge.CONCAT;
        MemorySegment dst = merged ? s.scattered : out;
        scatter(f, s, dst, width);
        if (merged) {
            mergeRows(f, dst, out);
        }
    }

    /** dst [B, T, dirs*units] = Keras' per-step outputs of each direction. */
    private void scatter(Frame f, State s, MemorySegment dst, int width) {
        long unitBytes = (long) units * Float.BYTES;
        MemorySegment m = mask == null ? null : f.data(mask);
        for (int b = 0; b < f.batch; b++) {
            int len = f.lengths(inputs[0])[b], n = s.count[b];
            long base = (long) b * f.seq(inputs[0]);
            dst.asSlice(base * width * Float.BYTES, (long) f.seq(inputs[0]) * width * Float.BYTES).fill((byte) 0);
            for (int d = 0; d < dirs; d++) {
                boolean reverse = goBackwards || d == 1;
                long lastSrc = -1;
                int k = 0;
                for (int p = 0; p < len; p++) {
                    int t = reverse ? len - 1 - p : p;
                    int outPos = goBackwards ? p : t;
                    long at = ((base + outPos) * width + (long) d * units) * Float.BYTES;
                    boolean valid = m == null || m.get(ValueLayout.JAVA_BYTE, base + t) != 0;
                    if (valid) {
                        int compactIndex = d == 1 ? n - 1 - k : k;
                        lastSrc = ((base + compactIndex) * width + (long) d * units) * Float.BYTES;
                        k++;
                        MemorySegment.copy(s.full, lastSrc, dst, at, unitBytes);
                    } else if (!zeroOutputForMask[d] && lastSrc >= 0) {
                        MemorySegment.copy(s.full, lastSrc, dst, at, unitBytes);
                    }
                }
            }
        }
    }

    /** out [rows, units] = merge(src [rows, 0:units], src [rows, units:2units]). */
    private void mergeRows(Frame f, MemorySegment src, MemorySegment out) {
        long rows = (long) f.batch * f.seq(inputs[0]);
        for (long r = 0; r < rows; r++) {
            for (int j = 0; j < units; j++) {
                float a = src.getAtIndex(Frame.F32, r * 2 * units + j);
                float c = src.getAtIndex(Frame.F32, r * 2 * units + units + j);
                out.setAtIndex(Frame.F32, r * units + j, combine(a, c));
            }
        }
    }

    private float combine(float a, float c) {
        return switch (merge) {
            case SUM -> a + c;
            case AVE -> (a + c) / 2;
            case MUL -> a * c;
            case CONCAT -> throw new IllegalStateException();
        };
    }

    /** The output of the last processed step of each direction: its final state, or 0 (see the class comment). */
    private void lastOutputs(Frame f, State s) {
        Port y = outputs[0];
        MemorySegment out = f.data(y);
        MemorySegment m = mask == null ? null : f.data(mask);
        for (int b = 0; b < f.batch; b++) {
            int len = f.lengths(inputs[0])[b];
            long base = (long) b * f.seq(inputs[0]);
            for (int d = 0; d < dirs; d++) {
                int lastT = goBackwards || d == 1 ? 0 : len - 1;
                boolean zero = s.count[b] == 0 || zeroOutputForMask[d] && m != null
                        && m.get(ValueLayout.JAVA_BYTE, base + lastT) == 0;
                for (int j = 0; j < units; j++) {
                    float v = zero ? 0f : s.hN.getAtIndex(Frame.F32, ((long) d * f.batch + b) * units + j);
                    if (dirs == 1 || merge == Merge.CONCAT) {
                        out.setAtIndex(Frame.F32, (long) b * y.features + (long) d * units + j, v);
                    } else if (d == 0) {
                        out.setAtIndex(Frame.F32, (long) b * units + j, v);
                    } else {
                        long at = (long) b * units + j;
                        out.setAtIndex(Frame.F32, at, combine(out.getAtIndex(Frame.F32, at), v));
                    }
                }
            }
        }
    }

    /** return_state outputs: [h, c] per direction, in Keras' order (forward's, then backward's). */
    private void states(Frame f, State s) {
        int port = 1;
        long bytes = (long) f.batch * units * Float.BYTES;
        for (int d = 0; d < dirs && port < outputs.length; d++) {
            MemorySegment.copy(s.hN, d * bytes, f.data(outputs[port++]), 0, bytes);
            if (hasCell) {
                MemorySegment.copy(s.cN, d * bytes, f.data(outputs[port++]), 0, bytes);
            }
        }
    }

    @Override
    String runs() {
        return description + ": " + recurrence.runs() + (mask != null ? ", masked steps by compaction" : "")
                + (goBackwards ? ", reversed" : "");
    }

    @Override
    String weights() {
        int gates = hasCell ? 4 : description.contains("GRU") ? 3 : 1;
        String one = "kernel (" + in + ", " + gates * units + "), recurrent_kernel (" + units + ", " + gates * units
                + "), bias";
        return dirs == 2 ? "forward and backward: " + one : one;
    }

    @Override
    public void close() {
        recurrence.close();
    }
}
