package io.attn4j.cells;

import io.attn4j.engine.kernel.Simd;
import io.attn4j.engine.kernel.VectorMath;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The gate kernels on the Vector API: whole vectors of hidden units, then the scalar reference
 * for the tail. The non-linearities are {@link VectorMath}'s, with its error bounds.
 */
final class VectorGateKernels implements GateKernels {
    private static final VectorSpecies<Float> S = Simd.F;
    private static final ByteOrder LE = ByteOrder.nativeOrder();

    private static FloatVector load(MemorySegment s, long floatIndex) {
        return FloatVector.fromMemorySegment(S, s, floatIndex * Float.BYTES, LE);
    }

    /** proj + rec + bias at gate row {@code row}. */
    private static FloatVector pre(MemorySegment proj, long projOff, MemorySegment rec, long recOff,
                                   MemorySegment bias, int row) {
        return load(proj, projOff + row).add(load(rec, recOff + row)).add(load(bias, row));
    }

    private static void store(FloatVector v, MemorySegment hState, long hAt, MemorySegment out, long outAt) {
        v.intoMemorySegment(hState, hAt * Float.BYTES, LE);
        if (out != null) {
            v.intoMemorySegment(out, outAt * Float.BYTES, LE);
        }
    }

    @Override
    public void rnn(boolean relu, int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
                    MemorySegment bias, MemorySegment hState, long hOff, MemorySegment out, long outOff) {
        int j = 0;
        for (int bound = S.loopBound(h); j < bound; j += S.length()) {
            FloatVector a = pre(proj, projOff, rec, recOff, bias, j);
            FloatVector v = relu ? a.lanewise(VectorOperators.MAX, 0f) : VectorMath.tanh(a);
            store(v, hState, hOff + j, out, outOff + j);
        }
        ScalarGateKernels.rnnRange(j, h, relu, proj, projOff, rec, recOff, bias, hState, hOff, out, outOff);
    }

    @Override
    public void lstm(int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
                     MemorySegment hState, long hOff, MemorySegment cState, long cOff, MemorySegment out, long outOff) {
        int j = 0;
        for (int bound = S.loopBound(h); j < bound; j += S.length()) {
            FloatVector i = VectorMath.sigmoid(pre(proj, projOff, rec, recOff, bias, j));
            FloatVector f = VectorMath.sigmoid(pre(proj, projOff, rec, recOff, bias, h + j));
            FloatVector g = VectorMath.tanh(pre(proj, projOff, rec, recOff, bias, 2 * h + j));
            FloatVector o = VectorMath.sigmoid(pre(proj, projOff, rec, recOff, bias, 3 * h + j));
            // c = f*c + i*g; h = o*tanh(c)
            FloatVector c = f.mul(load(cState, cOff + j)).add(i.mul(g));
            c.intoMemorySegment(cState, (cOff + j) * Float.BYTES, LE);
            store(o.mul(VectorMath.tanh(c)), hState, hOff + j, out, outOff + j);
        }
        ScalarGateKernels.lstmRange(j, h, h, proj, projOff, rec, recOff, bias, hState, hOff, cState, cOff, out, outOff);
    }

    @Override
    public void gru(int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
                    MemorySegment bHn, MemorySegment hState, long hOff, MemorySegment out, long outOff) {
        int j = 0;
        for (int bound = S.loopBound(h); j < bound; j += S.length()) {
            FloatVector r = VectorMath.sigmoid(pre(proj, projOff, rec, recOff, bias, j));
            FloatVector z = VectorMath.sigmoid(pre(proj, projOff, rec, recOff, bias, h + j));
            // n = tanh(proj_n + b_in + r*(rec_n + b_hn)); h = (1-z)*n + z*h = n + z*(h - n)
            FloatVector recN = load(rec, recOff + 2 * h + j).add(load(bHn, j));
            FloatVector n = VectorMath.tanh(load(proj, projOff + 2 * h + j).add(load(bias, 2 * h + j)).add(r.mul(recN)));
            FloatVector hPrev = load(hState, hOff + j);
            store(n.add(z.mul(hPrev.sub(n))), hState, hOff + j, out, outOff + j);
        }
        ScalarGateKernels.gruRange(j, h, h, proj, projOff, rec, recOff, bias, bHn, hState, hOff, out, outOff);
    }
}
