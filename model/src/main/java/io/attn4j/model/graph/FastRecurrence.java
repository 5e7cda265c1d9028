package io.attn4j.model.graph;

import io.attn4j.cells.RecurrentNetwork;
import io.attn4j.cells.RecurrentWorkspace;
import io.attn4j.engine.tensor.Tensor;

/**
 * A {@link Recurrence} on the cells module's {@link RecurrentNetwork}: the input projection as one
 * GEMM, fused gate kernels, Keras' standard activations (tanh, recurrent sigmoid) and
 * {@code GRU(reset_after=True)}.
 */
final class FastRecurrence implements Recurrence {
    private final RecurrentNetwork network;
    private final String cell;

    FastRecurrence(RecurrentNetwork network, String cell) {
        this.network = network;
        this.cell = cell;
    }

    @Override
    public AutoCloseable newWorkspace(int maxBatch, int maxSeq) {
        return network.newWorkspace(maxBatch, maxSeq);
    }

    @Override
    public long workspaceBytes(int maxBatch, int maxSeq) {
        return RecurrentWorkspace.byteSize(network.spec(), maxBatch, maxSeq);
    }

    @Override
    public long byteSize(AutoCloseable workspace) {
        return ((RecurrentWorkspace) workspace).byteSize();
    }

    @Override
    public void forward(AutoCloseable workspace, Tensor x, int[] lengths, Tensor output, Tensor hN, Tensor cN) {
        network.forward((RecurrentWorkspace) workspace, x, lengths, null, null, output, hN, cN);
    }

    @Override
    public String runs() {
        return cell + " cells (one input GEMM, fused gates)";
    }

    @Override
    public void close() {
        network.close();
    }
}
