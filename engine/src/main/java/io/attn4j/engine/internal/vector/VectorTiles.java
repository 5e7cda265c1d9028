package io.attn4j.engine.internal.vector;

import io.attn4j.engine.internal.AttentionTiles;
import io.attn4j.engine.internal.vector.gemm.Packing;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/** The fused attention's tile kernels on the Vector API, at the width of {@link Simd#SPECIES}. */
final class VectorTiles implements AttentionTiles {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Override
    public int scratchFloats() {
        return Simd.LANES;
    }

    @Override
    public int keyQuantum() {
        return VectorScoreTile.NR;
    }

    @Override
    public int valueQuantum() {
        return VectorValueAccumulation.NR;
    }

    @Override
    public int rowGroup() {
        return VectorScoreTile.MR;
    }

    @Override
    public int rowQuantum() {
        return Simd.LANES;
    }

    @Override
    public void packKeys(int n, int d, MemorySegment k, long kOff, long ldk, float[] dst, int dstOff) {
        // K^T [d, n] in the GEMM's packed-B slivers: NR keys side by side per feature
        Packing.packSlivers(Transpose.YES, k, kOff, ldk, d, n, dst, dstOff);
    }

    @Override
    public void packValues(int n, int dv, MemorySegment v, long vOff, long ldv, float[] dst, int dstOff) {
        Packing.packSlivers(Transpose.NO, v, vOff, ldv, n, dv, dst, dstOff);
    }

    @Override
    public void scoreTile(int rows, int n, int d, float scale, float[] q, int qOff, int ldq, float[] kp, int kpOff,
            float[] s, int sOff, int lds, float[] rowMax, int rowMaxOff) {
        VectorScoreTile.scoreTile(rows, n, d, scale, q, qOff, ldq, kp, kpOff, s, sOff, lds, rowMax, rowMaxOff);
    }

    @Override
    public void scores(int rows, int n, int d, float scale, MemorySegment q, long qOff, long ldq, MemorySegment k,
            long kOff, long ldk, float[] s, int sOff, int lds, float[] lanes) {
        VectorKeyScores.scores(rows, n, d, scale, q, qOff, ldq, k, kOff, ldk, s, sOff, lds);
    }

    @Override
    public void softmaxUpdate(float[] s, int off, int lim, int n, float[] max, float[] sum, float[] alpha, int r,
            float blockMax, float[] lanes) {
        VectorOnlineSoftmax.update(s, off, lim, n, max, sum, alpha, r, blockMax, lanes);
    }

    @Override
    public void accumulatePacked(int rows, int n, int dv, float[] alpha, int alphaFrom, float[] p, int pOff, int ldp,
            float[] vp, int vpOff, int vpStride, float[] o, int oOff, int ldo, boolean skipZeros) {
        VectorValueAccumulation.accumulatePacked(rows, n, dv, alpha, alphaFrom, p, pOff, ldp, vp, vpOff, vpStride, o,
                oOff, ldo, skipZeros);
    }

    @Override
    public void accumulate(int rows, int n, int dv, float[] alpha, int alphaFrom, float[] p, int pOff, int ldp,
            MemorySegment v, long vOff, long ldv, float[] o, int oOff, int ldo) {
        VectorValueAccumulation.accumulate(rows, n, dv, alpha, alphaFrom, p, pOff, ldp, v, vOff, ldv, o, oOff, ldo);
    }

    @Override
    public void scaleInto(float[] src, int srcOff, float f, MemorySegment dst, long dstOff, int n) {
        int c = 0;
        for (int bound = Simd.SPECIES.loopBound(n); c < bound; c += Simd.LANES) {
            FloatVector.fromArray(Simd.SPECIES, src, srcOff + c).mul(f).intoMemorySegment(dst,
                    (dstOff + c) * Float.BYTES, ORDER);
        }
        for (; c < n; c++) {
            dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, dstOff + c, src[srcOff + c] * f);
        }
    }
}
