package io.attn4j.cells;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The weights of one layer in one direction, in the layout the kernels read, owned by the
 * network's arena. Built once at load time from PyTorch-form arrays.
 *
 * <p>Layout: {@code wHh} {@code (G*H, H)} row-major (for the batch-1 GEMV), gate blocks in
 * PyTorch order. {@code bias} {@code (G*H)} is {@code b_ih + b_hh}, so one add per
 * gate remains, except in a GRU's n block, which holds {@code b_in} alone because the reset gate
 * multiplies {@code W_hn h + b_hn}; {@code bHn} {@code (H)} holds {@code b_hn} (GRU only).
 * {@code wIhT} and {@code wHhT} are {@code W_ih^T} and {@code W_hh^T} packed once for the
 * network's GEMM, so that no step re-packs a constant weight matrix.
 */
final class CellWeights {
    final int inputSize;
    final MemorySegment wHh;
    final MemorySegment bias;
    final MemorySegment bHn;
    final PackedMatrix wIhT;
    final PackedMatrix wHhT;

    private CellWeights(int inputSize, int hidden, int gateRows, MemorySegment wIh, MemorySegment wHh, MemorySegment bias,
                        MemorySegment bHn, Kernels kernels) {
        this.inputSize = inputSize;
        this.wHh = wHh;
        this.bias = bias;
        this.bHn = bHn;
        this.wIhT = kernels.packB(Transpose.YES, inputSize, gateRows, wIh, 0, inputSize);
        this.wHhT = kernels.packB(Transpose.YES, hidden, gateRows, wHh, 0, hidden);
    }

    /** Copies PyTorch-form weights (already shape-checked) into {@code arena} and packs them for {@code kernels}. */
    static CellWeights of(CellType cell, int hidden, int inputSize, float[] wIh, float[] wHh,
                          float[] bIh, float[] bHh, Arena arena, Kernels kernels) {
        int gh = cell.gates() * hidden;
        float[] bias = new float[gh];
        for (int r = 0; r < gh; r++) {
            boolean gruNewGate = cell == CellType.GRU && r >= 2 * hidden;
            bias[r] = gruNewGate ? bIh[r] : bIh[r] + bHh[r];
        }
        MemorySegment bHn = null;
        if (cell == CellType.GRU) {
            float[] hn = new float[hidden];
            System.arraycopy(bHh, 2 * hidden, hn, 0, hidden);
            bHn = copy(arena, hn);
        }
        return new CellWeights(inputSize, hidden, gh, copy(arena, wIh), copy(arena, wHh), copy(arena, bias), bHn, kernels);
    }

    private static MemorySegment copy(Arena arena, float[] values) {
        MemorySegment s = arena.allocate((long) Math.max(values.length, 1) * Float.BYTES, 64);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        return s;
    }
}
