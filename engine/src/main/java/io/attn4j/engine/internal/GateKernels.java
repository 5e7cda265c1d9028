package io.attn4j.engine.internal;

import java.lang.foreign.MemorySegment;

/**
 * The recurrent cells' arithmetic: one fused pass per step and sequence over the gate
 * pre-activations (bias add, the gate non-linearities, the state update), and the recurrent
 * product of a batch of one. Offsets count floats. Implementations trust their caller: the
 * network has checked every shape and offset once, when it was built and when it was called.
 *
 * <p>Inputs of every method: {@code proj} = the input projection {@code W_ih x_t} for this
 * sequence and step ({@code G*h} floats, gate blocks in PyTorch order), {@code rec} = the
 * recurrent product {@code W_hh h_{t-1}} ({@code G*h} floats), {@code bias} ({@code G*h}, see
 * the cells module's {@code CellWeights}). The state {@code hState} (and {@code cState}) is updated in place; when
 * {@code out} is not null, the new h is also written there.
 */
public interface GateKernels {

    /**
     * Columns of one panel of {@code recurrentRow}'s {@code wT}: a multiple of every vector
     * width's 8-vector block (128 floats at 512 bits), so that a block never straddles panels.
     */
    int RECURRENT_PANEL = 128;

    /**
     * The recurrent product of a batch of one, {@code out[j] = sum_l h[l] * wT[l, j]} for
     * {@code j < n}, with {@code wT} = {@code W_hh^T} {@code (k, n)} in column panels
     * ({@link #panelIndex}): each output one FMA chain over {@code l} in order from 0, which is
     * how the GEMM's micro-kernels sum, so the bits equal those of the same row inside a batch (for
     * {@code k} up to the GEMM's K block, 2048 or more; beyond it the GEMM splits the sum, and the
     * two differ by rounding only). It exists because a lone row through the GEMM driver pays its
     * packing and blocking on every step.
     */
    void recurrentRow(int k, int n, MemorySegment h, long hOff, MemorySegment wT, MemorySegment out, long outOff);

    /**
     * Where element {@code (l, j)} of a {@code (k, n)} matrix lies in {@code recurrentRow}'s layout:
     * columns in panels of {@link #RECURRENT_PANEL} (the last one narrower when n is not a multiple),
     * one panel after another, each panel row-major. A pass over a panel then reads one address-ordered
     * stream; row-major, the same columns were 512-byte pieces a whole row apart, in as many pages as
     * rows, which the prefetchers and the TLB follow worse.
     */
    static long panelIndex(int k, int n, int l, int j) {
        int p0 = j - j % RECURRENT_PANEL, width = Math.min(RECURRENT_PANEL, n - p0);
        return (long) p0 * k + (long) l * width + (j - p0);
    }

    /** {@code h = act(proj + rec + bias)}, act = tanh or relu. */
    void rnn(boolean relu, int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff,
            MemorySegment bias, MemorySegment hState, long hOff, MemorySegment out, long outOff);

    /** {@code c = f*c + i*g; h = o*tanh(c)}, gates i, f, g, o. */
    void lstm(int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
            MemorySegment hState, long hOff, MemorySegment cState, long cOff, MemorySegment out, long outOff);

    /** {@code n = tanh(proj_n + bias_n + r*(rec_n + bHn)); h = (1-z)*n + z*h}, gates r, z, n. */
    void gru(int h, MemorySegment proj, long projOff, MemorySegment rec, long recOff, MemorySegment bias,
            MemorySegment bHn, MemorySegment hState, long hOff, MemorySegment out, long outOff);
}
