package io.attn4j.engine.internal.vector.gemm;

import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.NC;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.NR;

import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;

/**
 * op(B) packed as {@link Gemm} packs it on every call: for each NC-column panel and each K block
 * of that panel, the {@code kc x NR} slivers {@link Packing#packB} writes, zero-padded to whole
 * slivers. Stored back to back in (panel, K block) order on the heap.
 */
public final class PackedPanels extends PackedMatrix {
    final int kStep;
    final float[] data;
    private final int kBlocks;
    private final int[] offsets;

    private PackedPanels(int k, int n, String packedBy, int kStep, int kBlocks, int[] offsets, float[] data) {
        super(k, n, packedBy);
        this.kStep = kStep;
        this.kBlocks = kBlocks;
        this.offsets = offsets;
        this.data = data;
    }

    /** Packs op(B) ({@code k x n}); arguments already checked. */
    public static PackedPanels pack(String packedBy, Transpose transB, int k, int n, MemorySegment b, long bOff,
            long ldb) {
        int kStep = GemmBlocking.kBlock(k);
        int kBlocks = Math.max(1, (k + kStep - 1) / kStep);
        int panels = (n + NC - 1) / NC;
        int[] offsets = new int[panels * kBlocks];
        long total = 0;
        for (int p = 0; p < panels; p++) {
            int nc = Math.min(NC, n - p * NC);
            for (int q = 0; q < kBlocks; q++) {
                int kc = Math.min(kStep, k - q * kStep);
                offsets[p * kBlocks + q] = Math.toIntExact(total);
                total += (long) GemmWorkspace.roundUp(nc, NR) * Math.max(kc, 0);
            }
        }
        float[] data = new float[Math.toIntExact(total)];
        for (int p = 0; p < panels; p++) {
            int jc = p * NC, nc = Math.min(NC, n - jc);
            for (int q = 0; q < kBlocks; q++) {
                int pc = q * kStep, kc = Math.min(kStep, k - pc);
                if (kc > 0) {
                    Packing.packB(transB, b, bOff, ldb, pc, jc, kc, nc, data, offsets[p * kBlocks + q]);
                }
            }
        }
        return new PackedPanels(k, n, packedBy, kStep, kBlocks, offsets, data);
    }

    /** Where the slivers of panel {@code jc / NC}, K block {@code pc / kStep} start in {@link #data}. */
    int offset(int jc, int pc) {
        return offsets[(jc / NC) * kBlocks + pc / kStep];
    }
}
