package io.attn4j.model;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One session of a {@link Runner} and its staging input: computes rows {@code [from, from + rows)}
 * of a batch. The staged input, {@code x [rows, T, features]} F32 or token ids {@code [rows, T]}
 * I32, is a padded batch holding the requests longest first (the recurrence then steps only over
 * the rows still running, a prefix), each row its request's steps first; steps past a request's
 * length are left as they are (the model never reads them). A pooled result is the output's row r; a
 * per-step result its row r's first {@code steps} steps, the request's own.
 *
 * <p>Allocates nothing per call in the steady state: the input views and the exact-length lengths
 * arrays the session takes are made once per shape and kept.
 */
final class RunnerPart implements AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;

    final int maxRows;
    private final ServedModel served;
    private final int maxSeq;
    private final Arena arena = Arena.ofShared();
    private final Session session;
    private final MemorySegment staging;
    /** {@code [T - 1][rows - 1]}: the input view of a call shape, made on first use. */
    private final Tensor[][] inputs;
    /** {@code [rows - 1]}: a lengths array of exactly {@code rows} entries. */
    private final int[][] lengths;
    /** {@code order[r]}: the batch index of the request staged in row r. */
    private final int[] order;
    /** Input views kept; past {@link #CACHED_SHAPES}, a new shape's view is made per call. */
    private int cachedInputs;
    private static final int CACHED_SHAPES = 4096;

    RunnerPart(ServedModel served, int maxRows, int maxSeq) {
        this.served = served;
        this.maxRows = maxRows;
        this.maxSeq = maxSeq;
        this.inputs = new Tensor[maxSeq][];
        this.lengths = new int[maxRows][];
        this.order = new int[maxRows];
        try {
            session = served.model().newSession(maxRows, maxSeq);
            staging = arena.allocate(stagingBytes(served, maxRows, maxSeq), 64);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The staging input's bytes: {@code maxRows x maxSeq x features} floats, or as many int token ids. */
    static long stagingBytes(ServedModel served, int maxRows, int maxSeq) {
        return Math.multiplyExact(Math.multiplyExact((long) maxRows * maxSeq, served.features()), (long) Float.BYTES);
    }

    /** Off-heap bytes held: the session's and the staging input's. */
    long byteSize() {
        return session.byteSize() + staging.byteSize();
    }

    /**
     * Stages rows {@code [from, from + rows)} of {@code batch}, runs them padded to {@code seq} steps
     * and stores each request's result in it.
     */
    void compute(Request<?>[] batch, int from, int rows, int seq) {
        int features = served.features();
        boolean tokens = served.takesTokens();
        int[] lens = lengths(rows);
        longestFirst(batch, from, rows);
        long rowBytes = (long) seq * features * Float.BYTES; // a token id is 4 bytes too
        for (int r = 0; r < rows; r++) {
            Request<?> request = batch[order[r]];
            long at = r * rowBytes;
            if (tokens) {
                MemorySegment.copy((int[]) request.input, 0, staging, I32, at, request.steps);
            } else {
                float[][] steps = (float[][]) request.input;
                for (int t = 0; t < request.steps; t++) {
                    MemorySegment.copy(steps[t], 0, staging, F32, at + (long) t * features * Float.BYTES, features);
                }
            }
            lens[r] = request.steps;
        }
        Tensor y = session.predict(input(rows, seq), lens, false); // every value was checked on submission
        MemorySegment out = y.segment();
        int outputs = served.outputs();
        // y: [rows, outputs], or [rows, seq, outputs] per step
        long rowFloats = served.perStep() ? (long) seq * outputs : outputs;
        for (int r = 0; r < rows; r++) {
            Request<?> request = batch[order[r]];
            long at = (y.offset() + r * rowFloats) * Float.BYTES;
            if (served.perStep()) {
                float[][] result = new float[request.steps][outputs];
                for (int t = 0; t < request.steps; t++) {
                    MemorySegment.copy(out, F32, at + (long) t * outputs * Float.BYTES, result[t], 0, outputs);
                }
                request.result = result;
            } else {
                float[] result = new float[outputs];
                MemorySegment.copy(out, F32, at, result, 0, outputs);
                request.result = result;
            }
        }
    }

    /**
     * {@code order[0, rows)}: the indices {@code [from, from + rows)} of {@code batch}, longest
     * request first, ties in batch order (an insertion sort: a batch is a few dozen rows).
     */
    private void longestFirst(Request<?>[] batch, int from, int rows) {
        for (int r = 0; r < rows; r++) {
            int index = from + r, steps = batch[index].steps, at = r;
            while (at > 0 && batch[order[at - 1]].steps < steps) {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = index;
        }
    }

    private Tensor input(int rows, int seq) {
        Tensor[] bySize = inputs[seq - 1];
        if (bySize == null) {
            bySize = inputs[seq - 1] = new Tensor[maxRows];
        }
        Tensor x = bySize[rows - 1];
        if (x == null) {
            x = served.takesTokens()
                    ? Tensor.wrap(staging, DType.I32, rows, seq)
                    : Tensor.wrap(staging, DType.F32, rows, seq, served.features());
            if (cachedInputs < CACHED_SHAPES) {
                bySize[rows - 1] = x;
                cachedInputs++;
            }
        }
        return x;
    }

    private int[] lengths(int rows) {
        int[] l = lengths[rows - 1];
        if (l == null) {
            l = lengths[rows - 1] = new int[rows];
        }
        return l;
    }

    /** The longest sequence a call may take. */
    int maxSeq() {
        return maxSeq;
    }

    @Override
    public void close() {
        session.close();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
