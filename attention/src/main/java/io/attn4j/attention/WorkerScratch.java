package io.attn4j.attention;

import io.attn4j.engine.kernel.SoftmaxMask;
import java.lang.foreign.MemorySegment;

/**
 * One worker's scratch: off-heap memory carved into regions by the code that uses it, the
 * per-head operands it is working on, small heap arrays for per-row softmax state, and the heap
 * arrays of the fused attention's tile kernels (their loads compile without per-load bounds
 * checks). Used by one thread at a time.
 */
final class WorkerScratch {
    /** Off-heap scratch, {@link AttentionWorkspace#ALIGN}-aligned. */
    final MemorySegment mem;
    /** The (batch, head) problem this slot works on. */
    final HeadTask task = new HeadTask();
    /** Running max, running sum, rescale factor and the score tile's maximum per query row of a tile. */
    float[] rowMax = new float[0];
    float[] rowSum = new float[0];
    float[] rowScale = new float[0];
    float[] blockMax = new float[0];
    /** Scratch of the tile kernels, for reductions in a fixed order. */
    float[] lanes = new float[0];
    /** The fused attention's score tile, query block, output accumulators, packed keys and packed values. */
    float[] tile = new float[0];
    float[] query = new float[0];
    float[] acc = new float[0];
    float[] keys = new float[0];
    float[] values = new float[0];

    /** Which call of the fused attention and which (batch entry, head) the packed keys and values belong to. */
    long packedCall = -1;
    int packedHead = -1;

    private SoftmaxMask rowMask;
    private long rowMaskEx;
    private long rowMaskAdd;

    WorkerScratch(MemorySegment mem) {
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
            blockMax = new float[rows];
        }
    }

    /** Grows the fused attention's arrays to at least these lengths (only when a call needs more). */
    void ensureTiles(int tileFloats, int queryFloats, int accFloats, int keyFloats, int valueFloats) {
        tile = tile.length < tileFloats ? new float[tileFloats] : tile;
        query = query.length < queryFloats ? new float[queryFloats] : query;
        acc = acc.length < accFloats ? new float[accFloats] : acc;
        if (keys.length < keyFloats || values.length < valueFloats) {
            keys = keys.length < keyFloats ? new float[keyFloats] : keys;
            values = values.length < valueFloats ? new float[valueFloats] : values;
            packedCall = -1;
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
