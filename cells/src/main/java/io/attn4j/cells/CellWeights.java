package io.attn4j.cells;

import io.attn4j.engine.internal.GateKernels;
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
 * <p>Layout: gate blocks in PyTorch order. {@code bias} {@code (G*H)} is {@code b_ih + b_hh}, so one add per
 * gate remains, except in a GRU's n block, which holds {@code b_in} alone because the reset gate
 * multiplies {@code W_hn h + b_hn}; {@code bHn} {@code (H)} holds {@code b_hn} (GRU only).
 * {@code wIhT} and {@code wHhT} are {@code W_ih^T} and {@code W_hh^T} packed once for the
 * network's GEMM, so that no step re-packs a constant weight matrix. {@code wHhRows} is
 * {@code W_hh^T} {@code (H, G*H)} in the column panels of {@link GateKernels#panelIndex} for the batch-1 step
 * (the gate kernels' {@code recurrentRow}), which sums as the GEMM does: a sequence's result does not
 * depend on its batch.
 */
final class CellWeights {
    final int inputSize;
    final MemorySegment bias;
    final MemorySegment bHn;
    final PackedMatrix wIhT;
    final PackedMatrix wHhT;
    final MemorySegment wHhRows;

    private CellWeights(int inputSize, MemorySegment bias, MemorySegment bHn, PackedMatrix wIhT, PackedMatrix wHhT,
            MemorySegment wHhRows) {
        this.inputSize = inputSize;
        this.bias = bias;
        this.bHn = bHn;
        this.wIhT = wIhT;
        this.wHhT = wHhT;
        this.wHhRows = wHhRows;
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
        // The row-major weights are only read by the packing; they live until it is done.
        try (Arena staging = Arena.ofConfined()) {
            PackedMatrix wIhT = kernels.packB(Transpose.YES, inputSize, gh, copy(staging, wIh), 0, inputSize);
            PackedMatrix wHhT = kernels.packB(Transpose.YES, hidden, gh, copy(staging, wHh), 0, hidden);
            float[] rows = new float[wHh.length];
            for (int r = 0; r < gh; r++) {
                for (int c = 0; c < hidden; c++) {
                    rows[(int) GateKernels.panelIndex(hidden, gh, c, r)] = wHh[r * hidden + c];
                }
            }
            return new CellWeights(inputSize, copy(arena, bias), bHn, wIhT, wHhT, copy(arena, rows));
        }
    }

    private static MemorySegment copy(Arena arena, float[] values) {
        MemorySegment s = arena.allocate((long) Math.max(values.length, 1) * Float.BYTES, 64);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        return s;
    }
}
