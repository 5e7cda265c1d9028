package io.attn4j.engine.internal.vector;

import io.attn4j.engine.internal.GateKernels;
import io.attn4j.engine.internal.scalar.ScalarGates;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The gate kernels on the Vector API, then the scalar reference for the tail of each row.
 *
 * <p>Each step of each sequence is one call, working in place on the step's recurrent-product
 * row ({@code rec}, {@code G*H} floats, which stays in L1): first the gate activations
 * {@code act(proj + rec + bias)} overwrite {@code rec}, one loop per non-linearity; then one loop
 * updates the state from them. The loops are separate methods whose only arguments are segments
 * and offsets, on purpose: C2 inlines a bounded amount of code into one compiled method, and a
 * vector passed across a call that was not inlined is boxed on the heap. A body with five
 * transcendental functions exceeds that budget; one per method does not, so the steady state
 * allocates nothing. The non-linearities are {@link VectorMath}'s, with its error bounds.
 */
final class VectorGates implements GateKernels {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final ByteOrder LE = ByteOrder.nativeOrder();

    private static FloatVector load(MemorySegment s, long floatIndex) {
        return FloatVector.fromMemorySegment(S, s, floatIndex * Float.BYTES, LE);
    }

    /** Output vectors one pass over {@code wT} accumulates: eight FMA chains cover the FMA latency. */
    private static final int ROW_VECTORS = 8;

    @Override
    public void recurrentRow(int k, int n, MemorySegment h, long hOff, MemorySegment wT, MemorySegment out,
            long outOff) {
        int lanes = S.length(), block = ROW_VECTORS * lanes;
        for (int p0 = 0; p0 < n; p0 += RECURRENT_PANEL) {
            // the panel of columns [p0, p0 + width): rows of `width` floats, one after another
            int width = Math.min(RECURRENT_PANEL, n - p0), c = 0;
            long panel = (long) p0 * k;
            for (; c + block <= width; c += block) {
                rowBlock(k, width, panel + c, h, hOff, wT, out, outOff + p0 + c);
            }
            for (; c + lanes <= width; c += lanes) {
                rowVector(k, width, panel + c, h, hOff, wT, out, outOff + p0 + c);
            }
            ScalarGates.recurrentColumns(p0 + c, p0 + width, k, n, h, hOff, wT, out, outOff);
        }
    }

    /**
     * Eight vectors of outputs, {@code out[outAt ..]}, from the columns at {@code at} of a panel whose
     * rows are {@code width} floats apart: one address-ordered stream through the panel (the weights
     * of a small layer live in L2, and streaming them is what a step costs).
     */
    private static void rowBlock(int k, int width, long at, MemorySegment h, long hOff, MemorySegment wT,
            MemorySegment out, long outAt) {
        long v = (long) S.length();
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int l = 0; l < k; l++, at += width) {
            FloatVector x = FloatVector.broadcast(S, h.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, hOff + l));
            a0 = x.fma(load(wT, at), a0);
            a1 = x.fma(load(wT, at + v), a1);
            a2 = x.fma(load(wT, at + 2 * v), a2);
            a3 = x.fma(load(wT, at + 3 * v), a3);
            a4 = x.fma(load(wT, at + 4 * v), a4);
            a5 = x.fma(load(wT, at + 5 * v), a5);
            a6 = x.fma(load(wT, at + 6 * v), a6);
            a7 = x.fma(load(wT, at + 7 * v), a7);
        }
        long o = outAt * Float.BYTES, vb = v * Float.BYTES;
        a0.intoMemorySegment(out, o, LE);
        a1.intoMemorySegment(out, o + vb, LE);
        a2.intoMemorySegment(out, o + 2 * vb, LE);
        a3.intoMemorySegment(out, o + 3 * vb, LE);
        a4.intoMemorySegment(out, o + 4 * vb, LE);
        a5.intoMemorySegment(out, o + 5 * vb, LE);
        a6.intoMemorySegment(out, o + 6 * vb, LE);
        a7.intoMemorySegment(out, o + 7 * vb, LE);
    }

    /** One vector of outputs, as {@link #rowBlock}: the remainder of a panel's blocks, one chain. */
    private static void rowVector(int k, int width, long at, MemorySegment h, long hOff, MemorySegment wT,
            MemorySegment out, long outAt) {
        FloatVector a = FloatVector.zero(S);
        for (int l = 0; l < k; l++, at += width) {
            a = FloatVector.broadcast(S, h.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, hOff + l)).fma(load(wT, at), a);
        }
        a.intoMemorySegment(out, outAt * Float.BYTES, LE);
    }

    @Override
    public void rnn(boolean relu, int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
            MemorySegment bias, MemorySegment hState, long hOff, MemorySegment out, long outOff) {
        int bound = S.loopBound(h);
        if (relu) {
            reluRows(bound, proj, projOff, rec, recOff, bias, 0);
        } else {
            tanhRows(bound, proj, projOff, rec, recOff, bias, 0);
        }
        copyState(bound, rec, recOff, hState, hOff, out, outOff);
        ScalarGates.rnnRange(bound, h, relu, proj, projOff, rec, recOff, bias, hState, hOff, out, outOff);
    }

    @Override
    public void lstm(int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
            MemorySegment hState, long hOff, MemorySegment cState, long cOff, MemorySegment out, long outOff) {
        int bound = S.loopBound(h);
        // The scalar tail reads the raw pre-activations of rows [bound, h) of every gate, so it runs first.
        ScalarGates.lstmRange(bound, h, h, proj, projOff, rec, recOff, bias, hState, hOff, cState, cOff, out,
                outOff);
        sigmoidRows(bound, proj, projOff, rec, recOff, bias, 0); // i
        sigmoidRows(bound, proj, projOff, rec, recOff, bias, h); // f
        tanhRows(bound, proj, projOff, rec, recOff, bias, 2 * h); // g
        sigmoidRows(bound, proj, projOff, rec, recOff, bias, 3 * h); // o
        lstmUpdate(bound, h, rec, recOff, hState, hOff, cState, cOff, out, outOff);
    }

    @Override
    public void gru(int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
            MemorySegment bHn, MemorySegment hState, long hOff, MemorySegment out, long outOff) {
        int bound = S.loopBound(h);
        ScalarGates.gruRange(bound, h, h, proj, projOff, rec, recOff, bias, bHn, hState, hOff, out, outOff);
        sigmoidRows(bound, proj, projOff, rec, recOff, bias, 0); // r
        sigmoidRows(bound, proj, projOff, rec, recOff, bias, h); // z
        gruCandidate(bound, h, proj, projOff, rec, recOff, bias, bHn); // n
        gruBlend(bound, h, rec, recOff, hState, hOff, out, outOff);
    }

    /** {@code rec[row + j] = sigmoid(proj[row + j] + rec[row + j] + bias[row + j])} for {@code j < bound}. */
    private static void sigmoidRows(int bound, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
            MemorySegment bias, int row) {
        for (int j = 0; j < bound; j += S.length()) {
            int r = row + j;
            VectorMath.sigmoid(load(proj, projOff + r).add(load(rec, recOff + r)).add(load(bias, r)))
                    .intoMemorySegment(rec, (recOff + r) * Float.BYTES, LE);
        }
    }

    /** As {@link #sigmoidRows} with tanh. */
    private static void tanhRows(int bound, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
            MemorySegment bias, int row) {
        for (int j = 0; j < bound; j += S.length()) {
            int r = row + j;
            VectorMath.tanh(load(proj, projOff + r).add(load(rec, recOff + r)).add(load(bias, r)))
                    .intoMemorySegment(rec, (recOff + r) * Float.BYTES, LE);
        }
    }

    /** As {@link #sigmoidRows} with relu. */
    private static void reluRows(int bound, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
            MemorySegment bias, int row) {
        for (int j = 0; j < bound; j += S.length()) {
            int r = row + j;
            FloatVector a = load(proj, projOff + r).add(load(rec, recOff + r)).add(load(bias, r));
            a.lanewise(VectorOperators.MAX, 0f).intoMemorySegment(rec, (recOff + r) * Float.BYTES, LE);
        }
    }

    /** h = rec[0, bound) into the state and the output. */
    private static void copyState(int bound, MemorySegment rec, long recOff, MemorySegment hState, long hOff,
            MemorySegment out, long outOff) {
        for (int j = 0; j < bound; j += S.length()) {
            FloatVector v = load(rec, recOff + j);
            v.intoMemorySegment(hState, (hOff + j) * Float.BYTES, LE);
            if (out != null) {
                v.intoMemorySegment(out, (outOff + j) * Float.BYTES, LE);
            }
        }
    }

    /** From the activated gates i, f, g, o in rec: {@code c = f*c + i*g; h = o*tanh(c)}. */
    private static void lstmUpdate(int bound, int h, MemorySegment rec, long recOff, MemorySegment hState, long hOff,
            MemorySegment cState, long cOff, MemorySegment out, long outOff) {
        for (int j = 0; j < bound; j += S.length()) {
            FloatVector i = load(rec, recOff + j), f = load(rec, recOff + h + j);
            FloatVector g = load(rec, recOff + 2 * h + j), o = load(rec, recOff + 3 * h + j);
            FloatVector c = f.mul(load(cState, cOff + j)).add(i.mul(g));
            c.intoMemorySegment(cState, (cOff + j) * Float.BYTES, LE);
            FloatVector v = o.mul(VectorMath.tanh(c));
            v.intoMemorySegment(hState, (hOff + j) * Float.BYTES, LE);
            if (out != null) {
                v.intoMemorySegment(out, (outOff + j) * Float.BYTES, LE);
            }
        }
    }

    /** From the activated reset gate r in rec: {@code rec_n = tanh(proj_n + b_in + r*(rec_n + b_hn))}, in place. */
    private static void gruCandidate(int bound, int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
            MemorySegment bias, MemorySegment bHn) {
        for (int j = 0; j < bound; j += S.length()) {
            long n = recOff + 2 * h + j;
            FloatVector recN = load(rec, n).add(load(bHn, j));
            VectorMath
                    .tanh(load(proj, projOff + 2 * h + j).add(load(bias, 2 * h + j))
                            .add(load(rec, recOff + j).mul(recN)))
                    .intoMemorySegment(rec, n * Float.BYTES, LE);
        }
    }

    /** From z and n in rec: {@code h = (1 - z)*n + z*h}, computed as {@code n + z*(h - n)}: one rounding fewer, the same function. */
    private static void gruBlend(int bound, int h, MemorySegment rec, long recOff, MemorySegment hState, long hOff,
            MemorySegment out, long outOff) {
        for (int j = 0; j < bound; j += S.length()) {
            FloatVector z = load(rec, recOff + h + j), n = load(rec, recOff + 2 * h + j);
            FloatVector v = n.add(z.mul(load(hState, hOff + j).sub(n)));
            v.intoMemorySegment(hState, (hOff + j) * Float.BYTES, LE);
            if (out != null) {
                v.intoMemorySegment(out, (outOff + j) * Float.BYTES, LE);
            }
        }
    }
}
