package io.attn4j.engine.internal.scalar;

import io.attn4j.engine.internal.GateKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference gate kernels: the cell equations (see the cells module's {@code CellType}), one
 * unit at a time, each non-linearity in double and rounded to float. Its static range methods
 * also finish the rows that the vector kernels leave over.
 */
public final class ScalarGates implements GateKernels {
    /** The one instance: stateless. */
    public static final ScalarGates INSTANCE = new ScalarGates();

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }

    private static float tanh(float x) {
        return (float) Math.tanh(x);
    }

    @Override
    public void recurrentRow(int k, int n, MemorySegment h, long hOff, MemorySegment wT, MemorySegment out,
            long outOff) {
        recurrentColumns(0, n, k, n, h, hOff, wT, out, outOff);
    }

    /** Columns [from, to) of {@link #recurrentRow}. */
    public static void recurrentColumns(int from, int to, int k, int n, MemorySegment h, long hOff, MemorySegment wT,
            MemorySegment out, long outOff) {
        for (int j = from; j < to; j++) {
            float acc = 0f;
            for (int l = 0; l < k; l++) {
                acc = Math.fma(h.getAtIndex(FLOAT, hOff + l), wT.getAtIndex(FLOAT, GateKernels.panelIndex(k, n, l, j)),
                        acc);
            }
            out.setAtIndex(FLOAT, outOff + j, acc);
        }
    }

    @Override
    public void rnn(boolean relu, int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
            MemorySegment bias, MemorySegment hState, long hOff, MemorySegment out, long outOff) {
        rnnRange(0, h, relu, proj, projOff, rec, recOff, bias, hState, hOff, out, outOff);
    }

    public static void rnnRange(int from, int to, boolean relu, MemorySegment proj, long projOff, MemorySegment rec,
            long recOff,
            MemorySegment bias, MemorySegment hState, long hOff, MemorySegment out, long outOff) {
        for (int j = from; j < to; j++) {
            float a = proj.getAtIndex(FLOAT, projOff + j) + rec.getAtIndex(FLOAT, recOff + j)
                    + bias.getAtIndex(FLOAT, j);
            float v = relu ? Math.max(a, 0f) : tanh(a);
            hState.setAtIndex(FLOAT, hOff + j, v);
            if (out != null) {
                out.setAtIndex(FLOAT, outOff + j, v);
            }
        }
    }

    @Override
    public void lstm(int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
            MemorySegment hState, long hOff, MemorySegment cState, long cOff, MemorySegment out, long outOff) {
        lstmRange(0, h, h, proj, projOff, rec, recOff, bias, hState, hOff, cState, cOff, out, outOff);
    }

    public static void lstmRange(int from, int to, int h, MemorySegment proj, long projOff, MemorySegment rec,
            long recOff,
            MemorySegment bias, MemorySegment hState, long hOff, MemorySegment cState, long cOff,
            MemorySegment out, long outOff) {
        for (int j = from; j < to; j++) {
            float i = sigmoid(pre(proj, projOff, rec, recOff, bias, j));
            float f = sigmoid(pre(proj, projOff, rec, recOff, bias, h + j));
            float g = tanh(pre(proj, projOff, rec, recOff, bias, 2 * h + j));
            float o = sigmoid(pre(proj, projOff, rec, recOff, bias, 3 * h + j));
            float c = f * cState.getAtIndex(FLOAT, cOff + j) + i * g;
            float v = o * tanh(c);
            cState.setAtIndex(FLOAT, cOff + j, c);
            hState.setAtIndex(FLOAT, hOff + j, v);
            if (out != null) {
                out.setAtIndex(FLOAT, outOff + j, v);
            }
        }
    }

    @Override
    public void gru(int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
            MemorySegment bHn, MemorySegment hState, long hOff, MemorySegment out, long outOff) {
        gruRange(0, h, h, proj, projOff, rec, recOff, bias, bHn, hState, hOff, out, outOff);
    }

    public static void gruRange(int from, int to, int h, MemorySegment proj, long projOff, MemorySegment rec,
            long recOff,
            MemorySegment bias, MemorySegment bHn, MemorySegment hState, long hOff,
            MemorySegment out, long outOff) {
        for (int j = from; j < to; j++) {
            float r = sigmoid(pre(proj, projOff, rec, recOff, bias, j));
            float z = sigmoid(pre(proj, projOff, rec, recOff, bias, h + j));
            float recN = rec.getAtIndex(FLOAT, recOff + 2 * h + j) + bHn.getAtIndex(FLOAT, j);
            float n = tanh(proj.getAtIndex(FLOAT, projOff + 2 * h + j) + bias.getAtIndex(FLOAT, 2 * h + j) + r * recN);
            float v = (1f - z) * n + z * hState.getAtIndex(FLOAT, hOff + j);
            hState.setAtIndex(FLOAT, hOff + j, v);
            if (out != null) {
                out.setAtIndex(FLOAT, outOff + j, v);
            }
        }
    }

    private static float pre(MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
            int row) {
        return proj.getAtIndex(FLOAT, projOff + row) + rec.getAtIndex(FLOAT, recOff + row)
                + bias.getAtIndex(FLOAT, row);
    }
}
