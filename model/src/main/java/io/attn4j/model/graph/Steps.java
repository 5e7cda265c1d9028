package io.attn4j.model.graph;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One time axis in one call: its steps {@code seq} and each row's valid length {@code L_b} (in
 * {@code [0, seq]}; rows past the call's batch unused), also as an I32 tensor for attention's key
 * lengths. Part of a {@link Frame}; not thread-safe.
 */
final class Steps {
    int seq;
    final int[] lengths;
    private final MemorySegment lengthSegment;
    private Tensor lengthView;
    private int lengthViewBatch = -1;

    /** @param lengthSegment {@code maxBatch} ints */
    Steps(int maxBatch, MemorySegment lengthSegment) {
        this.lengths = new int[maxBatch];
        this.lengthSegment = lengthSegment;
    }

    /** Sets the call's steps and lengths: {@code given[b]}, or {@code seq} for every row when null. */
    void set(int batch, int seq, int[] given) {
        this.seq = seq;
        for (int b = 0; b < batch; b++) {
            lengths[b] = given == null ? seq : given[b];
            lengthSegment.setAtIndex(ValueLayout.JAVA_INT, b, lengths[b]);
        }
    }

    /** The lengths as an I32 tensor {@code (batch)}. */
    Tensor lengthTensor(int batch) {
        if (lengthView == null || lengthViewBatch != batch) {
            lengthView = Tensor.wrap(lengthSegment, DType.I32, batch);
            lengthViewBatch = batch;
        }
        return lengthView;
    }
}
