package io.attn4j.model.graph;

import io.attn4j.engine.tensor.Tensor;

/**
 * One recurrent layer (one or two directions) over batch-first sequences whose valid steps come
 * first, PyTorch's packed semantics: row b runs over steps {@code [0, lengths[b])}, the reverse
 * direction from {@code lengths[b] - 1} down to 0, outputs aligned to input time, 0 past the
 * length, final states after each row's own last step. {@link RecurrentNode} maps Keras' masks
 * and {@code go_backwards} onto this by compaction.
 */
interface Recurrence extends AutoCloseable {
    /** Scratch for calls of up to {@code maxBatch} rows of up to {@code maxSeq} steps. */
    AutoCloseable newWorkspace(int maxBatch, int maxSeq);

    /** The off-heap bytes {@link #newWorkspace} allocates for these limits, computed without allocating. */
    long workspaceBytes(int maxBatch, int maxSeq);

    /** The off-heap bytes {@code workspace} (one of this recurrence's) holds. */
    long byteSize(AutoCloseable workspace);

    /**
     * @param x {@code (B, T, in)}
     * @param lengths B lengths in {@code [1, T]}
     * @param output {@code (B, T, directions * units)}
     * @param hN {@code (directions, B, units)}
     * @param cN like hN for an LSTM, else null
     */
    void forward(AutoCloseable workspace, Tensor x, int[] lengths, Tensor output, Tensor hN, Tensor cN);

    /** What runs, e.g. {@code LSTM cells (fused gates)}. */
    String runs();

    @Override
    void close();
}
