package io.attn4j.attention;

import io.attn4j.engine.kernel.SoftmaxMask;
import java.lang.foreign.MemorySegment;

/**
 * One worker's scratch: off-heap memory carved into regions by the code that uses it, the
 * per-head operands it is working on, and small heap arrays for per-row softmax state. Used by
 * one thread at a time.
 */
final class Slot {
    /** Off-heap scratch, {@link AttentionWorkspace#ALIGN}-aligned. */
    final MemorySegment mem;
    /** The (batch, head) problem this slot works on. */
    final HeadTask task = new HeadTask();
    /** Running max, running sum and rescale factor per query row of a tile. */
    float[] rowMax = new float[0];
    float[] rowSum = new float[0];
    float[] rowScale = new float[0];
    /** Scratch of the tile kernels, for reductions in a fixed order. */
    float[] lanes = new float[0];

    /** Which call of the fused attention and which (batch entry, head) the transposed keys in {@link #mem} belong to. */
    long keysCall = -1;
    int keysHead = -1;

    private SoftmaxMask rowMask;
    private long rowMaskEx;
    private long rowMaskAdd;

    Slot(MemorySegment mem) {
        this.mem = mem;
    }

    /** Grows the per-row arrays to at least {@code rows}, and the tile kernels' scratch to {@code lanes} (only when a call needs more). */
    void ensureRows(int rows, int lanes) {
        if (this.lanes.length < lanes) {
            this.lanes = new float[lanes];
        }
        if (rowMax.length < rows) {
            rowMax = new float[rows];
            rowSum = new float[rows];
            rowScale = new float[rows];
        }
    }

    /**
     * A softmax mask of one row, broadcast to every row (ld 0): excluded bytes at byte offset
     * {@code exByte} (when {@code >= 0}) and, when {@code addFloat >= 0}, additive floats at float offset
     * {@code addFloat}, both in {@link #mem}. Cached, so steady-state calls allocate nothing.
     */
    SoftmaxMask rowMask(long exByte, long addFloat) {
        if (rowMask == null || rowMaskEx != exByte || rowMaskAdd != addFloat) {
            rowMask = new SoftmaxMask(addFloat >= 0 ? mem : null, Math.max(addFloat, 0), 0,
                    exByte >= 0 ? mem : null, Math.max(exByte, 0), 0);
            rowMaskEx = exByte;
            rowMaskAdd = addFloat;
        }
        return rowMask;
    }
}
