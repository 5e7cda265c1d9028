package io.attn4j.engine.internal.vector;

import io.attn4j.engine.internal.AttentionTiles;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/** The fused attention's tile kernels on the Vector API, at the width of {@link Simd#F}. */
final class VectorTiles implements AttentionTiles {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Override
    public int scratchFloats() {
        return Simd.LANES;
    }

    @Override
    public int rowQuantum() {
        return Simd.LANES;
    }

    @Override
    public void scores(int rows, int n, int d, float scale, MemorySegment q, long qOff, long ldq, MemorySegment k,
            long kOff, long ldk, MemorySegment s, long sOff, long lds, float[] lanes) {
        VectorKeyScores.scores(rows, n, d, scale, q, qOff, ldq, k, kOff, ldk, s, sOff, lds, lanes);
    }

    @Override
    public void softmaxUpdate(MemorySegment s, long off, int lim, int n, float[] max, float[] sum, float[] alpha,
            int r, float[] lanes) {
        VectorOnlineSoftmax.update(s, off, lim, n, max, sum, alpha, r, lanes);
    }

    @Override
    public void accumulate(int rows, int n, int dv, float[] alpha, int alphaFrom, MemorySegment p, long pOff,
            long ldp, MemorySegment v, long vOff, long ldv, MemorySegment o, long oOff, long ldo) {
        VectorValueAccumulation.accumulate(rows, n, dv, alpha, alphaFrom, p, pOff, ldp, v, vOff, ldv, o, oOff, ldo);
    }

    @Override
    public void scaleInto(MemorySegment src, long srcOff, float f, MemorySegment dst, long dstOff, int n) {
        int c = 0;
        for (int bound = Simd.SPECIES.loopBound(n); c < bound; c += Simd.LANES) {
            FloatVector.fromMemorySegment(Simd.SPECIES, src, (srcOff + c) * Float.BYTES, ORDER).mul(f)
                    .intoMemorySegment(dst, (dstOff + c) * Float.BYTES, ORDER);
        }
        for (; c < n; c++) {
            dst.setAtIndex(FLOAT, dstOff + c, src.getAtIndex(FLOAT, srcOff + c) * f);
        }
    }
}
