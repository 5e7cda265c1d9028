package io.attn4j.cells;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread scratch memory for {@link RecurrentNetwork#forward}: allocated once for a maximum
 * batch and sequence length, reused by every call, so steady-state calls allocate nothing.
 * One workspace serves one call at a time; give each thread its own. Close it to free the memory.
 *
 * <p>Holds: the input projection of one layer and direction {@code (batch*seq, G*H)}, the
 * recurrent product of one step {@code (batch, G*H)}, the states h and c {@code (batch, H)}, and,
 * for stacked networks, two layer-output buffers {@code (batch, seq, D*H)} used in turn.
 */
public final class RecurrentWorkspace implements AutoCloseable {
    final RecurrentSpec spec;
    final int maxBatch;
    final int maxSeq;
    final MemorySegment proj;
    final MemorySegment rec;
    final MemorySegment h;
    final MemorySegment c;
    final MemorySegment[] layerOut;
    final int[] lengths;
    private final Arena arena;

    RecurrentWorkspace(RecurrentSpec spec, int maxBatch, int maxSeq) {
        if (maxBatch < 1 || maxSeq < 1) {
            throw new IllegalArgumentException("maxBatch and maxSeq must be >= 1, got " + maxBatch + ", " + maxSeq);
        }
        this.spec = spec;
        this.maxBatch = maxBatch;
        this.maxSeq = maxSeq;
        this.arena = Arena.ofShared();
        this.lengths = new int[maxBatch];
        long gh = spec.gateRows(), hid = spec.hiddenSize();
        this.proj = floats((long) maxBatch * maxSeq * gh);
        this.rec = floats(maxBatch * gh);
        this.h = floats(maxBatch * hid);
        this.c = floats(maxBatch * hid);
        int buffers = Math.min(spec.numLayers() - 1, 2);
        this.layerOut = new MemorySegment[buffers];
        for (int i = 0; i < buffers; i++) {
            layerOut[i] = floats((long) maxBatch * maxSeq * spec.outputSize());
        }
    }

    private MemorySegment floats(long n) {
        return arena.allocate(Math.multiplyExact(n, (long) Float.BYTES), 64);
    }

    /**
     * Off-heap bytes a workspace for {@code (maxBatch, maxSeq)} holds, computed without allocating
     * (the buffers listed in the class comment, in floats of 4 bytes).
     *
     * @throws ArithmeticException if the count overflows a long
     */
    public static long byteSize(RecurrentSpec spec, int maxBatch, int maxSeq) {
        long gh = spec.gateRows(), hid = spec.hiddenSize(), bt = Math.multiplyExact((long) maxBatch, maxSeq);
        long floats = Math.addExact(Math.multiplyExact(bt, gh), maxBatch * (gh + 2 * hid));
        long layerBuffers = Math.min(spec.numLayers() - 1, 2);
        floats = Math.addExact(floats, Math.multiplyExact(layerBuffers, Math.multiplyExact(bt, spec.outputSize())));
        return Math.multiplyExact(floats, (long) Float.BYTES);
    }

    /** Off-heap bytes this workspace holds: its buffers' sizes. */
    public long byteSize() {
        long bytes = proj.byteSize() + rec.byteSize() + h.byteSize() + c.byteSize();
        for (MemorySegment out : layerOut) {
            bytes += out.byteSize();
        }
        return bytes;
    }

    /** Largest batch a call may use. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Longest sequence a call may use. */
    public int maxSeq() {
        return maxSeq;
    }

    boolean isAlive() {
        return arena.scope().isAlive();
    }

    @Override
    public void close() {
        if (isAlive()) {
            arena.close();
        }
    }
}
