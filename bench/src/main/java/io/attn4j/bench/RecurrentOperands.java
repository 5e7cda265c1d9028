package io.attn4j.bench;

import ai.onnxruntime.OrtException;
import io.attn4j.cells.CellType;
import io.attn4j.cells.RecurrentNetwork;
import io.attn4j.cells.RecurrentSpec;
import io.attn4j.cells.RecurrentWorkspace;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * W6 operands for one cell type: PyTorch-initialized weights (uniform in +-1/sqrt(H)), an input
 * of {@code T = 100} steps of 64 features, and the three implementations built from the same
 * weights: attn4j on the provider's kernels, attn4j on the scalar reference, and ONNX Runtime's
 * operator with the weights as constant initializers. {@link #checkAgreement} compares their
 * full output sequences before anything is timed.
 */
final class RecurrentOperands implements AutoCloseable {
    static final int STEPS = 100;
    static final int INPUT = 64;

    final int hidden;
    final int batch;
    final Tensor x;
    final Tensor output;
    final Tensor hN;
    final Tensor cN;
    final RecurrentNetwork attn4j;
    final RecurrentNetwork scalar;
    final RecurrentWorkspace attn4jWorkspace;
    final RecurrentWorkspace scalarWorkspace;
    final OnnxModel onnx;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment onnxOutput;

    /** @param shape {@code "HIDDENxBATCH"}, e.g. {@code "256x32"} */
    RecurrentOperands(CellType cell, String shape) throws OrtException {
        int[] d = SeededSegments.dims(shape, 2);
        hidden = d[0];
        batch = d[1];
        RecurrentSpec spec = new RecurrentSpec(cell, INPUT, hidden, 1, false);
        SplittableRandom random = new SplittableRandom(0x5EED);
        float k = (float) (1 / Math.sqrt(hidden));
        int gh = spec.gateRows();
        float[] wIh = uniform(random, gh * INPUT, k), wHh = uniform(random, gh * hidden, k);
        float[] bIh = uniform(random, gh, k), bHh = uniform(random, gh, k);
        Map<String, Tensor> weights = new HashMap<>();
        weights.put("weight_ih_l0", Tensor.of(arena, wIh, gh, INPUT));
        weights.put("weight_hh_l0", Tensor.of(arena, wHh, gh, hidden));
        weights.put("bias_ih_l0", Tensor.of(arena, bIh, gh));
        weights.put("bias_hh_l0", Tensor.of(arena, bHh, gh));
        attn4j = RecurrentNetwork.fromPyTorch(spec, weights, "", Attn4j.vectorKernels());
        scalar = RecurrentNetwork.fromPyTorch(spec, weights, "", KernelProvider.scalar());
        attn4jWorkspace = attn4j.newWorkspace(batch, STEPS);
        scalarWorkspace = scalar.newWorkspace(batch, STEPS);

        float[] xs = uniform(random, batch * STEPS * INPUT, 1);
        x = Tensor.of(arena, xs, batch, STEPS, INPUT);
        output = Tensor.allocate(arena, DType.F32, batch, STEPS, hidden);
        hN = Tensor.allocate(arena, DType.F32, 1, batch, hidden);
        cN = cell.hasCellState() ? Tensor.allocate(arena, DType.F32, 1, batch, hidden) : null;

        // ONNX Runtime's layout is time-major: X [T, B, in], Y [T, 1, B, H].
        Tensor xTimeMajor = Tensor.allocate(arena, DType.F32, STEPS, batch, INPUT);
        xTimeMajor.copyFrom(x.transpose(0, 1).toFloatArray());
        onnxOutput = Tensor.allocate(arena, DType.F32, STEPS, 1, batch, hidden).segment();
        onnx = new OnnxModel(OnnxRecurrentModel.build(cell == CellType.LSTM, INPUT, hidden, wIh, wHh, bIh, bHh))
                .input("X", xTimeMajor.segment(), STEPS, batch, INPUT)
                .output("Y", onnxOutput, STEPS, 1, batch, hidden);
    }

    void runAttn4j() {
        attn4j.forward(attn4jWorkspace, x, null, null, null, output, hN, cN);
    }

    void runScalar() {
        scalar.forward(scalarWorkspace, x, null, null, null, output, hN, cN);
    }

    /**
     * Runs all three and requires every output within
     * {@code T * (in + H) * (sqrt(in) + sqrt(H) + 2) * 2 eps} of the scalar run: per step, the
     * pre-activations are dot products with {@code in + H} terms of magnitude sum at most
     * {@code sqrt(in) + sqrt(H) + 2} (weights +-1/sqrt(H), inputs and states in [-1, 1]); the
     * non-linearities are 1-Lipschitz and the state recursion contracts, so step errors at most add
     * up; the factor 2 covers both sides' rounding.
     */
    void checkAgreement() throws OrtException {
        double bound = STEPS * (INPUT + hidden) * (Math.sqrt(INPUT) + Math.sqrt(hidden) + 2) * 2 * Agreement.EPS;
        output.fill(Float.NaN);
        runScalar();
        float[] reference = output.toFloatArray();
        output.fill(Float.NaN);
        runAttn4j();
        Agreement.require("attn4j " + attn4j.spec().cell(), reference, output.segment(), i -> bound);
        onnxOutput.fill((byte) 0xFF);
        onnx.run();
        // Y [T, 1, B, H] back to [B, T, H] for the comparison.
        float[] y = onnxOutput.toArray(ValueLayout.JAVA_FLOAT);
        MemorySegment batchMajor = arena.allocate((long) y.length * Float.BYTES, 64);
        for (int t = 0; t < STEPS; t++) {
            for (int b = 0; b < batch; b++) {
                MemorySegment.copy(y, (t * batch + b) * hidden, batchMajor, ValueLayout.JAVA_FLOAT,
                        ((long) b * STEPS + t) * hidden * Float.BYTES, hidden);
            }
        }
        Agreement.require("ONNX Runtime " + attn4j.spec().cell(), reference, batchMajor, i -> bound);
    }

    private static float[] uniform(SplittableRandom random, int n, float k) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextDouble(-k, k);
        }
        return v;
    }

    @Override
    public void close() throws OrtException {
        onnx.close();
        attn4jWorkspace.close();
        scalarWorkspace.close();
        attn4j.close();
        scalar.close();
        arena.close();
    }
}
