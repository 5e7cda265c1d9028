package io.attn4j.model.graph;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A {@link Recurrence} for what the cells' fused kernels do not run: Keras'
 * {@code GRU(reset_after=False)} and recurrent layers with activations other than Keras' defaults.
 * Keras' equations on Keras' layout (gate blocks i, f, c, o for an LSTM and z, r, h for a GRU in
 * the columns of {@code kernel (in, G*u)} and {@code recurrent_kernel (u, G*u)}):
 * <pre>
 *   SimpleRNN: h = act(x K + b + h' U)
 *   LSTM:      i, f, o = ract(x K + h' U + b) blocks;  c = f*c' + i*act(block c);  h = o*act(c)
 *   GRU, reset_after=True:  z, r = ract(x K_zr + b_zr + h' U_zr + b'_zr);  hh = act(x K_h + b_h + r*(h' U_h + b'_h))
 *   GRU, reset_after=False: z, r = ract(x K_zr + b_zr + h' U_zr);          hh = act(x K_h + b_h + (r*h') U_h)
 *   GRU: h = z*h' + (1-z)*hh
 * </pre>
 * The input projection is one GEMM; each step a GEMV per row, then the gates in double precision,
 * stored as float32. Error: the GEMV's {@code u eps sum |h_l U_lj|} per pre-activation, then the
 * activations' rounding.
 */
final class StepRecurrence implements Recurrence {
    private final Kernels kernels;
    private final String cell;
    private final int in;
    private final int units;
    private final int gates;
    private final int dirs;
    private final Activation act;
    private final Activation ract;
    private final boolean resetAfter;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] kernel;
    private final MemorySegment[] recurrent;
    /** Per direction: the input bias (G*u) and, for a GRU with reset_after, the recurrent bias (G*u); or null. */
    private final MemorySegment[] inputBias;
    private final MemorySegment[] recurrentBias;

    StepRecurrence(Kernels kernels, String cell, int in, int units, Activation act, Activation ract, boolean resetAfter,
            GraphBuilder.CellWeights[] directions) {
        this.kernels = kernels;
        this.cell = cell;
        this.in = in;
        this.units = units;
        this.gates = cell.equals("LSTM") ? 4 : cell.equals("GRU") ? 3 : 1;
        this.dirs = directions.length;
        this.act = act;
        this.ract = ract;
        this.resetAfter = resetAfter;
        kernel = new MemorySegment[dirs];
        recurrent = new MemorySegment[dirs];
        inputBias = new MemorySegment[dirs];
        recurrentBias = new MemorySegment[dirs];
        int gu = gates * units;
        for (int d = 0; d < dirs; d++) {
            GraphBuilder.CellWeights w = directions[d];
            kernel[d] = Weights.copy(arena, w.kernel());
            recurrent[d] = Weights.copy(arena, w.recurrentKernel());
            if (w.bias() != null) {
                float[] b = w.bias();
                inputBias[d] = Weights.copy(arena, java.util.Arrays.copyOfRange(b, 0, gu));
                recurrentBias[d] = b.length == 2 * gu
                        ? Weights.copy(arena, java.util.Arrays.copyOfRange(b, gu, 2 * gu))
                        : null;
            }
        }
    }

    private final class Workspace implements AutoCloseable {
        final Arena scratch = Arena.ofShared();
        /** proj [B*T, G*u] | h, c [u] | rec [G*u] | rh [u] */
        final MemorySegment proj;
        final MemorySegment h;
        final MemorySegment c;
        final MemorySegment rec;
        final MemorySegment rh;

        Workspace(int maxBatch, int maxSeq) {
            int gu = gates * units;
            // the sizes workspaceBytes adds up
            proj = scratch.allocate((long) maxBatch * maxSeq * gu * Float.BYTES, 64);
            h = scratch.allocate((long) units * Float.BYTES, 64);
            c = scratch.allocate((long) units * Float.BYTES, 64);
            rec = scratch.allocate((long) gu * Float.BYTES, 64);
            rh = scratch.allocate((long) units * Float.BYTES, 64);
        }

        @Override
        public void close() {
            scratch.close();
        }
    }

    @Override
    public AutoCloseable newWorkspace(int maxBatch, int maxSeq) {
        return new Workspace(maxBatch, maxSeq);
    }

    /** proj {@code [B*T, G*u]}, h, c and rh {@code [u]}, rec {@code [G*u]}. */
    @Override
    public long workspaceBytes(int maxBatch, int maxSeq) {
        long gu = (long) gates * units;
        return Math.multiplyExact(Math.addExact(Math.multiplyExact((long) maxBatch * maxSeq, gu), 3L * units + gu),
                (long) Float.BYTES);
    }

    @Override
    public long byteSize(AutoCloseable workspace) {
        Workspace ws = (Workspace) workspace;
        return ws.proj.byteSize() + ws.h.byteSize() + ws.c.byteSize() + ws.rec.byteSize() + ws.rh.byteSize();
    }

    @Override
    public void forward(AutoCloseable workspace, Tensor x, int[] lengths, Tensor output, Tensor hN, Tensor cN) {
        Workspace ws = (Workspace) workspace;
        int batch = (int) x.dim(0), seq = (int) x.dim(1), gu = gates * units, width = dirs * units;
        MemorySegment out = output.segment();
        out.asSlice(0, (long) batch * seq * width * Float.BYTES).fill((byte) 0);
        for (int d = 0; d < dirs; d++) {
            // proj [B*T, G*u] = x [B*T, in] K [in, G*u] (+ input bias)
            kernels.gemm(Transpose.NO, Transpose.NO, batch * seq, gu, in, 1f, x.segment(), x.offset(), in, kernel[d], 0,
                    gu, 0f, ws.proj, 0, gu);
            for (int b = 0; b < batch; b++) {
                ws.h.fill((byte) 0);
                ws.c.fill((byte) 0);
                int len = lengths[b];
                for (int step = 0; step < len; step++) {
                    int t = d == 0 ? step : len - 1 - step;
                    long row = (long) b * seq + t;
                    step(d, ws, row * gu);
                    MemorySegment.copy(ws.h, 0, out, (row * width + (long) d * units) * Float.BYTES,
                            (long) units * Float.BYTES);
                }
                long at = ((long) d * batch + b) * units * Float.BYTES;
                MemorySegment.copy(ws.h, 0, hN.segment(), at, (long) units * Float.BYTES);
                if (cN != null) {
                    MemorySegment.copy(ws.c, 0, cN.segment(), at, (long) units * Float.BYTES);
                }
            }
        }
    }

    /** One step of one row: h (and c) updated in place from the projection at {@code projAt}. */
    private void step(int d, Workspace ws, long projAt) {
        int gu = gates * units;
        boolean gruBefore = cell.equals("GRU") && !resetAfter;
        // rec [G*u] = h U (for a GRU with reset_after=False, only the z and r blocks here)
        kernels.gemv(Transpose.YES, units, gruBefore ? 2 * units : gu, 1f, recurrent[d], 0, gu, ws.h, 0, 0f, ws.rec, 0);
        if (recurrentBias[d] != null) {
            kernels.add(gu, ws.rec, 0, recurrentBias[d], 0, ws.rec, 0);
        }
        switch (cell) {
            case "SimpleRNN" -> {
                for (int j = 0; j < units; j++) {
                    ws.h.setAtIndex(Frame.F32, j, (float) act.of(pre(d, ws, projAt, j)));
                }
            }
            case "LSTM" -> {
                for (int j = 0; j < units; j++) {
                    double i = ract.of(pre(d, ws, projAt, j));
                    double f = ract.of(pre(d, ws, projAt, units + j));
                    double g = act.of(pre(d, ws, projAt, 2 * units + j));
                    double o = ract.of(pre(d, ws, projAt, 3 * units + j));
                    float c = (float) (f * ws.c.getAtIndex(Frame.F32, j) + i * g);
                    ws.c.setAtIndex(Frame.F32, j, c);
                    ws.h.setAtIndex(Frame.F32, j, (float) (o * act.of(c)));
                }
            }
            default -> gru(d, ws, projAt, gruBefore);
        }
    }

    private void gru(int d, Workspace ws, long projAt, boolean resetBefore) {
        int gu = gates * units;
        if (resetBefore) {
            // rh = r * h', then rec_h = rh U_h
            for (int j = 0; j < units; j++) {
                double r = ract.of(pre(d, ws, projAt, units + j));
                ws.rh.setAtIndex(Frame.F32, j, (float) (r * ws.h.getAtIndex(Frame.F32, j)));
            }
            kernels.gemv(Transpose.YES, units, units, 1f, recurrent[d], 2L * units, gu, ws.rh, 0, 0f, ws.rec,
                    2L * units);
        }
        for (int j = 0; j < units; j++) {
            double z = ract.of(pre(d, ws, projAt, j));
            double xh = ws.proj.getAtIndex(Frame.F32, projAt + 2L * units + j)
                    + (inputBias[d] == null ? 0 : inputBias[d].getAtIndex(Frame.F32, 2L * units + j));
            double recH = ws.rec.getAtIndex(Frame.F32, 2L * units + j);
            double hh = resetBefore
                    ? act.of(xh + recH)
                    : act.of(xh + ract.of(pre(d, ws, projAt, units + j)) * recH);
            double prev = ws.h.getAtIndex(Frame.F32, j);
            ws.h.setAtIndex(Frame.F32, j, (float) (z * prev + (1 - z) * hh));
        }
    }

    /** Pre-activation of gate column {@code col}: projection + input bias + recurrent product. */
    private double pre(int d, Workspace ws, long projAt, int col) {
        double v = ws.proj.getAtIndex(Frame.F32, projAt + col) + ws.rec.getAtIndex(Frame.F32, col);
        return inputBias[d] == null ? v : v + inputBias[d].getAtIndex(Frame.F32, col);
    }

    @Override
    public String runs() {
        return cell + " step by step (" + act.kerasName() + ", recurrent " + ract.kerasName()
                + (cell.equals("GRU") ? ", reset_after=" + (resetAfter ? "True" : "False") : "") + ")";
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
