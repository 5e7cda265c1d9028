package io.attn4j.cells;

import java.lang.foreign.MemorySegment;

/**
 * One fused pass per step and sequence over the gate pre-activations: bias add, the gate
 * non-linearities and the state update. Offsets count floats.
 *
 * <p>Inputs of every method: {@code proj} = the input projection {@code W_ih x_t} for this
 * sequence and step ({@code G*h} floats, gate blocks in PyTorch order), {@code rec} = the
 * recurrent product {@code W_hh h_{t-1}} ({@code G*h} floats), {@code bias} ({@code G*h}, see
 * {@link CellWeights}). The state {@code hState} (and {@code cState}) is updated in place; when
 * {@code out} is not null, the new h is also written there.
 */
interface GateKernels {

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
