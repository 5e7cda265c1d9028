package io.attn4j.cells;

import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.internal.GateKernels;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;

/**
 * A stacked, optionally bidirectional RNN/LSTM/GRU over batch-first sequences, with PyTorch's
 * semantics ({@code nn.RNN/LSTM/GRU(batch_first=True)}, including packed variable-length
 * batches) and weights from PyTorch or Keras.
 *
 * <p>Each layer and direction does one GEMM for the input projection of every step and sequence,
 * then per step one recurrent product (a GEMM against the packed {@code W_hh^T}, or for a batch of
 * one a row kernel with the same sums) and one fused gate pass
 * per sequence. Results match PyTorch within
 * {@code 1e-5 * max(1, max|expected|)} on the golden cases.
 *
 * <p>The network owns its weights (copied at construction into its own arena; the caller's
 * tensors are never modified) and is immutable: any number of threads may call
 * {@link #forward} at once, each with its own {@link RecurrentWorkspace}. Close it to free the
 * weights; use after close is an {@link IllegalStateException}.
 */
public final class RecurrentNetwork implements AutoCloseable {
    private final RecurrentSpec spec;
    private final Arena arena;
    private final CellWeights[] weights;
    private final Kernels kernels;
    private final GateKernels gates;

    private RecurrentNetwork(RecurrentSpec spec, Arena arena, CellWeights[] weights, Kernels kernels) {
        this.spec = spec;
        this.arena = arena;
        this.weights = weights;
        // the kernels' backend: the scalar reference's gate kernels with the scalar kernels, the vector ones with the vector
        Backend backend = Backend.of(kernels);
        this.kernels = backend.kernels();
        this.gates = backend.gates();
    }

    /**
     * A network from PyTorch {@code state_dict()} tensors named {@code prefix + "weight_ih_l0"},
     * {@code "weight_hh_l0"}, {@code "bias_ih_l0"}, {@code "bias_hh_l0"}, ... ({@code "_reverse"}
     * for the reverse direction), using the kernels {@link KernelProvider} chose.
     *
     * @throws IllegalArgumentException naming the tensor and both shapes if a weight is missing,
     *         not F32, or of the wrong shape
     */
    public static RecurrentNetwork fromPyTorch(RecurrentSpec spec, Map<String, Tensor> tensors, String prefix) {
        return fromPyTorch(spec, tensors, prefix, KernelProvider.kernels());
    }

    /** As {@link #fromPyTorch(RecurrentSpec, Map, String)}, on the given kernels. */
    public static RecurrentNetwork fromPyTorch(RecurrentSpec spec, Map<String, Tensor> tensors, String prefix,
            Kernels kernels) {
        return build(spec, kernels, arena -> WeightImport.pytorch(spec, tensors, prefix, arena, kernels));
    }

    /**
     * A one-layer network from Keras {@code LSTM}/{@code GRU(reset_after=True)}/{@code SimpleRNN}
     * weights: {@code prefix + "kernel"} {@code (in, G*u)}, {@code "recurrent_kernel"}
     * {@code (u, G*u)}, {@code "bias"}; a {@code Bidirectional} wrapper's weights under
     * {@code "forward."} and {@code "backward."}.
     */
    public static RecurrentNetwork fromKeras(RecurrentSpec spec, Map<String, Tensor> tensors, String prefix) {
        return fromKeras(spec, tensors, prefix, KernelProvider.kernels());
    }

    /** As {@link #fromKeras(RecurrentSpec, Map, String)}, on the given kernels. */
    public static RecurrentNetwork fromKeras(RecurrentSpec spec, Map<String, Tensor> tensors, String prefix,
            Kernels kernels) {
        return build(spec, kernels, arena -> WeightImport.keras(spec, tensors, prefix, arena, kernels));
    }

    /** A network whose weights {@code load} reads into a new arena, which is closed again if loading fails. */
    private static RecurrentNetwork build(RecurrentSpec spec, Kernels kernels, Function<Arena, CellWeights[]> load) {
        Arena arena = Arena.ofShared();
        try {
            return new RecurrentNetwork(spec, arena, load.apply(arena), kernels);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The network's shape, as it was built. */
    public RecurrentSpec spec() {
        return spec;
    }

    /** Scratch memory for calls of up to {@code maxBatch} sequences of up to {@code maxSeq} steps. */
    public RecurrentWorkspace newWorkspace(int maxBatch, int maxSeq) {
        requireOpen();
        return new RecurrentWorkspace(spec, maxBatch, maxSeq);
    }

    /**
     * Runs the network over a batch.
     *
     * @param ws a workspace made for this network's spec, large enough for the batch and sequence length
     * @param x input {@code (batch, seq, inputSize)}, F32, contiguous; steps at or past a
     *          sequence's length do not influence any result (they may hold garbage)
     * @param lengths null (every sequence has {@code seq} steps) or {@code batch} lengths in
     *          {@code [1, seq]}, any order
     * @param h0 null (zeros) or {@code (layers*directions, batch, hidden)}, index
     *           {@code layer*directions + direction}
     * @param c0 null (zeros) or like h0; LSTM only
     * @param output null (not wanted) or {@code (batch, seq, directions*hidden)}: written whole,
     *               forward direction first, aligned to input time, exactly 0 at padded steps
     * @param hN null or like h0: each sequence's state after its own last step (for the reverse
     *           direction, after step 0)
     * @param cN null or like h0; LSTM only
     * @throws IllegalArgumentException on any shape, dtype, length or size mismatch, before
     *         anything is written
     * @throws IllegalStateException if the network, the workspace or a tensor's arena is closed
     */
    public void forward(RecurrentWorkspace ws, Tensor x, int[] lengths, Tensor h0, Tensor c0,
            Tensor output, Tensor hN, Tensor cN) {
        requireOpen();
        int batch = checkInput(ws, x);
        int seq = (int) x.dim(1);
        int[] lens = checkLengths(lengths, batch, seq, ws.lengths);
        long states = (long) spec.numLayers() * spec.directions();
        check("h0", h0, states, batch, spec.hiddenSize());
        check("hN", hN, states, batch, spec.hiddenSize());
        if (!spec.cell().hasCellState() && (c0 != null || cN != null)) {
            throw new IllegalArgumentException("c0/cN given, but a " + spec.cell() + " has no cell state");
        }
        check("c0", c0, states, batch, spec.hiddenSize());
        check("cN", cN, states, batch, spec.hiddenSize());
        check("output", output, batch, seq, spec.outputSize());

        MemorySegment in = x.segment();
        long inOff = x.offset();
        for (int layer = 0; layer < spec.numLayers(); layer++) {
            boolean last = layer == spec.numLayers() - 1;
            MemorySegment out = last ? (output == null ? null : output.segment()) : ws.layerOut[layer % 2];
            long outOff = last && output != null ? output.offset() : 0;
            for (int dir = 0; dir < spec.directions(); dir++) {
                int index = layer * spec.directions() + dir;
                runDirection(ws, weights[index], dir, batch, seq, lens, in, inOff, out, outOff,
                        h0, c0, index);
                saveState(ws, hN, cN, index, batch);
            }
            if (out != null) {
                zeroPadding(out, outOff, batch, seq, lens);
            }
            in = out;
            inOff = outOff;
        }
    }

    /** One layer in one direction: the input projection, then the recurrence step by step. */
    private void runDirection(RecurrentWorkspace ws, CellWeights w, int dir, int batch, int seq, int[] lens,
            MemorySegment in, long inOff, MemorySegment out, long outOff,
            Tensor h0, Tensor c0, int stateIndex) {
        int hid = spec.hiddenSize(), gh = spec.gateRows(), inSize = w.inputSize, outSize = spec.outputSize();
        // proj: [batch*seq, G*H] = x [batch*seq, in] . W_ih^T
        kernels.gemm(Transpose.NO, batch * seq, 1f, in, inOff, inSize, w.wIhT, 0f, ws.proj, 0, gh);
        loadState(ws.h, h0, stateIndex, batch);
        if (spec.cell().hasCellState()) {
            loadState(ws.c, c0, stateIndex, batch);
        }
        // rows [0, running) hold every sequence not yet ended: rows past the last running one are
        // left out of the recurrent product (a batch ordered longest first loses no step to padding)
        int running = batch;
        for (int step = 0; step < seq; step++) {
            while (running > 0 && step >= lens[running - 1]) {
                running--;
            }
            if (running == 0) {
                break;
            }
            // rec: [running, G*H] = h [running, H] . W_hh^T, the same sums either way
            if (batch == 1) {
                gates.recurrentRow(hid, gh, ws.h, 0, w.wHhRows, ws.rec, 0);
            } else {
                kernels.gemm(Transpose.NO, running, 1f, ws.h, 0, hid, w.wHhT, 0f, ws.rec, 0, gh);
            }
            for (int b = 0; b < running; b++) {
                if (step >= lens[b]) {
                    continue; // this sequence has ended: its state stays at its own last step
                }
                int t = dir == 0 ? step : lens[b] - 1 - step;
                long row = (long) b * seq + t;
                long projAt = row * gh, recAt = (long) b * gh, hAt = (long) b * hid;
                long outAt = outOff + row * outSize + (long) dir * hid;
                switch (spec.cell()) {
                    case RNN_TANH, RNN_RELU -> gates.rnn(spec.cell() == CellType.RNN_RELU, hid, ws.proj, projAt,
                            ws.rec, recAt, w.bias, ws.h, hAt, out, outAt);
                    case LSTM ->
                        gates.lstm(hid, ws.proj, projAt, ws.rec, recAt, w.bias, ws.h, hAt, ws.c, hAt, out, outAt);
                    case GRU -> gates.gru(hid, ws.proj, projAt, ws.rec, recAt, w.bias, w.bHn, ws.h, hAt, out, outAt);
                }
            }
        }
    }

    private void loadState(MemorySegment state, Tensor init, int index, int batch) {
        long n = (long) batch * spec.hiddenSize() * Float.BYTES;
        if (init == null) {
            zero(state, 0, n);
        } else {
            MemorySegment.copy(init.segment(), (init.offset() + index * init.stride(0)) * Float.BYTES, state, 0, n);
        }
    }

    private void saveState(RecurrentWorkspace ws, Tensor hN, Tensor cN, int index, int batch) {
        long n = (long) batch * spec.hiddenSize() * Float.BYTES;
        if (hN != null) {
            MemorySegment.copy(ws.h, 0, hN.segment(), (hN.offset() + index * hN.stride(0)) * Float.BYTES, n);
        }
        if (cN != null) {
            MemorySegment.copy(ws.c, 0, cN.segment(), (cN.offset() + index * cN.stride(0)) * Float.BYTES, n);
        }
    }

    /** Output rows at steps t >= lengths[b] are exactly 0, as pad_packed_sequence gives them. */
    private void zeroPadding(MemorySegment out, long outOff, int batch, int seq, int[] lens) {
        long rowBytes = (long) spec.outputSize() * Float.BYTES;
        for (int b = 0; b < batch; b++) {
            long from = (outOff + ((long) b * seq + lens[b]) * spec.outputSize()) * Float.BYTES;
            zero(out, from, (seq - lens[b]) * rowBytes);
        }
    }

    /** Zero bytes, copied from a constant block rather than through a slice (a slice object each call, unless C2 removes it). */
    private static final MemorySegment ZEROS = Arena.global().allocate(4096, 64);

    /** Sets {@code bytes} bytes of {@code s} from {@code offset} to 0, allocating nothing. */
    private static void zero(MemorySegment s, long offset, long bytes) {
        for (long done = 0; done < bytes;) {
            long n = Math.min(ZEROS.byteSize(), bytes - done);
            MemorySegment.copy(ZEROS, 0, s, offset + done, n);
            done += n;
        }
    }

    private int checkInput(RecurrentWorkspace ws, Tensor x) {
        if (ws == null || !ws.spec.equals(spec)) {
            throw new IllegalArgumentException("workspace was made for " + (ws == null ? "nothing" : ws.spec)
                    + ", not for this network's " + spec);
        }
        if (!ws.isAlive()) {
            throw new IllegalStateException("workspace is closed");
        }
        if (x == null) {
            throw new IllegalArgumentException("x is null");
        }
        if (x.dtype() != DType.F32) {
            throw new IllegalArgumentException("x must be F32, got " + x.dtype());
        }
        if (x.rank() != 3 || x.dim(2) != spec.inputSize()) {
            throw new IllegalArgumentException("x must be (batch, seq, " + spec.inputSize() + "), got "
                    + Arrays.toString(x.shape()));
        }
        requireUsable("x", x);
        if (x.dim(0) < 1 || x.dim(1) < 1 || x.dim(0) > ws.maxBatch || x.dim(1) > ws.maxSeq) {
            throw new IllegalArgumentException("x " + Arrays.toString(x.shape()) + " needs batch in [1, " + ws.maxBatch
                    + "] and seq in [1, " + ws.maxSeq + "] (the workspace's limits)");
        }
        return (int) x.dim(0);
    }

    /** The lengths to use: the caller's after checking them, or {@code seq} for all in {@code scratch}. */
    private static int[] checkLengths(int[] lengths, int batch, int seq, int[] scratch) {
        if (lengths == null) {
            Arrays.fill(scratch, 0, batch, seq);
            return scratch;
        }
        if (lengths.length != batch) {
            throw new IllegalArgumentException(lengths.length + " lengths for a batch of " + batch);
        }
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > seq) {
                throw new IllegalArgumentException(
                        "lengths[" + b + "] = " + lengths[b] + " out of range [1, " + seq + "]");
            }
        }
        return lengths;
    }

    /** Checks an optional 3-d tensor; allocates nothing unless it throws (it runs on every call). */
    private static void check(String name, Tensor t, long d0, long d1, long d2) {
        if (t == null) {
            return;
        }
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException(name + " must be F32, got " + t.dtype());
        }
        if (t.rank() != 3 || t.dim(0) != d0 || t.dim(1) != d1 || t.dim(2) != d2) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(t.shape()) + ", expected "
                    + Arrays.toString(new long[]{d0, d1, d2}));
        }
        requireUsable(name, t);
    }

    private static void requireUsable(String name, Tensor t) {
        if (!t.isAlive()) {
            throw new IllegalStateException(name + ": the arena that owns this tensor is closed");
        }
        if (!t.isContiguous()) {
            throw new IllegalArgumentException(name + " must be contiguous (row-major), strides are "
                    + Arrays.toString(t.strides()));
        }
    }

    private void requireOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("recurrent network is closed");
        }
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
