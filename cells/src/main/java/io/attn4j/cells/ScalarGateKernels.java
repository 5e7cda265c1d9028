package io.attn4j.cells;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The reference gate kernels: the equations of {@link CellType}, one unit at a time, in double-rounded floats. */
final class ScalarGateKernels implements GateKernels {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }

    static float tanh(float x) {
        return (float) Math.tanh(x);
    }

    @Override
    public void recurrentRow(int k, int n, MemorySegment h, long hOff, MemorySegment wT, MemorySegment out,
            long outOff) {
        recurrentColumns(0, n, k, n, h, hOff, wT, out, outOff);
    }

    /** Columns [from, to) of {@link #recurrentRow}. */
    static void recurrentColumns(int from, int to, int k, int n, MemorySegment h, long hOff, MemorySegment wT,
            MemorySegment out, long outOff) {
        for (int j = from; j < to; j++) {
            float acc = 0f;
            for (int l = 0; l < k; l++) {
                acc = Math.fma(h.getAtIndex(F, hOff + l), wT.getAtIndex(F, (long) l * n + j), acc);
            }
            out.setAtIndex(F, outOff + j, acc);
        }
    }

    @Override
    public void rnn(boolean relu, int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
            MemorySegment bias, MemorySegment hState, long hOff, MemorySegment out, long outOff) {
        rnnRange(0, h, relu, proj, projOff, rec, recOff, bias, hState, hOff, out, outOff);
    }

    static void rnnRange(int from, int to, boolean relu, MemorySegment proj, long projOff, MemorySegment rec,
            long recOff,
            MemorySegment bias, MemorySegment hState, long hOff, MemorySegment out, long outOff) {
        for (int j = from; j < to; j++) {
            float a = proj.getAtIndex(F, projOff + j) + rec.getAtIndex(F, recOff + j) + bias.getAtIndex(F, j);
            float v = relu ? Math.max(a, 0f) : tanh(a);
            hState.setAtIndex(F, hOff + j, v);
            if (out != null) {
                out.setAtIndex(F, outOff + j, v);
            }
        }
    }

    @Override
    public void lstm(int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
            MemorySegment hState, long hOff, MemorySegment cState, long cOff, MemorySegment out, long outOff) {
        lstmRange(0, h, h, proj, projOff, rec, recOff, bias, hState, hOff, cState, cOff, out, outOff);
    }

    static void lstmRange(int from, int to, int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
            MemorySegment bias, MemorySegment hState, long hOff, MemorySegment cState, long cOff,
            MemorySegment out, long outOff) {
        for (int j = from; j < to; j++) {
            float i = sigmoid(pre(proj, projOff, rec, recOff, bias, j));
            float f = sigmoid(pre(proj, projOff, rec, recOff, bias, h + j));
            float g = tanh(pre(proj, projOff, rec, recOff, bias, 2 * h + j));
            float o = sigmoid(pre(proj, projOff, rec, recOff, bias, 3 * h + j));
            float c = f * cState.getAtIndex(F, cOff + j) + i * g;
            float v = o * tanh(c);
            cState.setAtIndex(F, cOff + j, c);
            hState.setAtIndex(F, hOff + j, v);
            if (out != null) {
                out.setAtIndex(F, outOff + j, v);
            }
        }
    }

    @Override
    public void gru(int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
            MemorySegment bHn, MemorySegment hState, long hOff, MemorySegment out, long outOff) {
        gruRange(0, h, h, proj, projOff, rec, recOff, bias, bHn, hState, hOff, out, outOff);
    }

    static void gruRange(int from, int to, int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
            MemorySegment bias, MemorySegment bHn, MemorySegment hState, long hOff,
            MemorySegment out, long outOff) {
        for (int j = from; j < to; j++) {
            float r = sigmoid(pre(proj, projOff, rec, recOff, bias, j));
            float z = sigmoid(pre(proj, projOff, rec, recOff, bias, h + j));
            float recN = rec.getAtIndex(F, recOff + 2 * h + j) + bHn.getAtIndex(F, j);
            float n = tanh(proj.getAtIndex(F, projOff + 2 * h + j) + bias.getAtIndex(F, 2 * h + j) + r * recN);
            float v = (1f - z) * n + z * hState.getAtIndex(F, hOff + j);
            hState.setAtIndex(F, hOff + j, v);
            if (out != null) {
                out.setAtIndex(F, outOff + j, v);
            }
        }
    }

    private static float pre(MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
            int row) {
        return proj.getAtIndex(F, projOff + row) + rec.getAtIndex(F, recOff + row) + bias.getAtIndex(F, row);
    }
}
