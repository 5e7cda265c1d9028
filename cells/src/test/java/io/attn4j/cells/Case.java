package io.attn4j.cells;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/** A random network (PyTorch-form weights, in both the engine's tensors and the reference's arrays) and input. */
final class Case {
    final RecurrentSpec spec;
    final int batch;
    final int seq;
    final Map<String, Tensor> tensors = new HashMap<>();
    final ReferenceRecurrent.Weights[] reference;
    final float[] x;
    final float[] h0;
    final float[] c0;

    private Case(RecurrentSpec spec, int batch, int seq, ReferenceRecurrent.Weights[] reference, float[] x, float[] h0,
            float[] c0) {
        this.spec = spec;
        this.batch = batch;
        this.seq = seq;
        this.reference = reference;
        this.x = x;
        this.h0 = h0;
        this.c0 = c0;
    }

    /** Weights uniform in +-1/sqrt(H) as PyTorch initializes them; inputs and states uniform in +-1. */
    static Case random(RecurrentSpec spec, int batch, int seq, RandomGenerator rnd, Arena arena, boolean initialState) {
        int dirs = spec.directions(), h = spec.hiddenSize(), gh = spec.gateRows();
        float k = (float) (1 / Math.sqrt(h));
        ReferenceRecurrent.Weights[] ref = new ReferenceRecurrent.Weights[spec.numLayers() * dirs];
        Map<String, Tensor> tensors = new HashMap<>();
        for (int l = 0; l < spec.numLayers(); l++) {
            int in = spec.layerInputSize(l);
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + l + (d == 1 ? "_reverse" : "");
                float[] wIh = uniform(rnd, gh * in, k), wHh = uniform(rnd, gh * h, k);
                float[] bIh = uniform(rnd, gh, k), bHh = uniform(rnd, gh, k);
                tensors.put("weight_ih" + sfx, Tensor.of(arena, wIh, gh, in));
                tensors.put("weight_hh" + sfx, Tensor.of(arena, wHh, gh, h));
                tensors.put("bias_ih" + sfx, Tensor.of(arena, bIh, gh));
                tensors.put("bias_hh" + sfx, Tensor.of(arena, bHh, gh));
                ref[l * dirs + d] = new ReferenceRecurrent.Weights(matrix(wIh, gh, in), matrix(wHh, gh, h), vec(bIh),
                        vec(bHh));
            }
        }
        float[] x = uniform(rnd, batch * seq * spec.inputSize(), 1);
        int states = spec.numLayers() * dirs * batch * h;
        float[] h0 = initialState ? uniform(rnd, states, 1) : null;
        float[] c0 = initialState && spec.cell() == CellType.LSTM ? uniform(rnd, states, 1) : null;
        Case c = new Case(spec, batch, seq, ref, x, h0, c0);
        c.tensors.putAll(tensors);
        return c;
    }

    /** Runs the network on this case's input (or {@code xOverride}) with the given lengths. */
    RecurrentPropertiesTest.Outputs run(Arena arena, int[] lengths, float[] xOverride) {
        try (RecurrentNetwork net = RecurrentNetwork.fromPyTorch(spec, tensors, "")) {
            return run(net, arena, lengths, xOverride);
        }
    }

    /** Runs a network built from {@link #tensors} as Keras variables. */
    RecurrentPropertiesTest.Outputs runKeras(Arena arena) {
        try (RecurrentNetwork net = RecurrentNetwork.fromKeras(spec, tensors, "")) {
            return run(net, arena, null, null);
        }
    }

    private RecurrentPropertiesTest.Outputs run(RecurrentNetwork net, Arena arena, int[] lengths, float[] xOverride) {
        try (RecurrentWorkspace ws = net.newWorkspace(batch, seq)) {
            long states = (long) spec.numLayers() * spec.directions();
            Tensor xt = Tensor.of(arena, xOverride == null ? x : xOverride, batch, seq, spec.inputSize());
            Tensor out = Tensor.allocate(arena, DType.F32, batch, seq, spec.outputSize());
            Tensor hN = Tensor.allocate(arena, DType.F32, states, batch, spec.hiddenSize());
            boolean lstm = spec.cell() == CellType.LSTM;
            Tensor cN = lstm ? Tensor.allocate(arena, DType.F32, states, batch, spec.hiddenSize()) : null;
            Tensor h0t = h0 == null ? null : Tensor.of(arena, h0, states, batch, spec.hiddenSize());
            Tensor c0t = c0 == null ? null : Tensor.of(arena, c0, states, batch, spec.hiddenSize());
            net.forward(ws, xt, lengths, h0t, c0t, out, hN, cN);
            return new RecurrentPropertiesTest.Outputs(out.toFloatArray(), hN.toFloatArray(),
                    lstm ? cN.toFloatArray() : new float[0]);
        }
    }

    /** Runs one sequence alone (batch 1) with zero initial state. */
    RecurrentPropertiesTest.Outputs single(Arena arena, float[] xb, int seqLen, int length) {
        try (RecurrentNetwork net = RecurrentNetwork.fromPyTorch(spec, tensors, "");
                RecurrentWorkspace ws = net.newWorkspace(1, seqLen)) {
            Tensor xt = Tensor.of(arena, xb, 1, seqLen, spec.inputSize());
            Tensor out = Tensor.allocate(arena, DType.F32, 1, seqLen, spec.outputSize());
            net.forward(ws, xt, new int[]{length}, null, null, out, null, null);
            return new RecurrentPropertiesTest.Outputs(out.toFloatArray(), new float[0], new float[0]);
        }
    }

    double[][][] x3() {
        int in = spec.inputSize();
        double[][][] a = new double[batch][seq][in];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                for (int i = 0; i < in; i++) {
                    a[b][t][i] = x[(b * seq + t) * in + i];
                }
            }
        }
        return a;
    }

    double[][][] state3(float[] s) {
        if (s == null) {
            return null;
        }
        int n = spec.numLayers() * spec.directions(), h = spec.hiddenSize();
        double[][][] a = new double[n][batch][h];
        for (int i = 0; i < n; i++) {
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < h; j++) {
                    a[i][b][j] = s[(i * batch + b) * h + j];
                }
            }
        }
        return a;
    }

    private static float[] uniform(RandomGenerator rnd, int n, float k) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (2 * rnd.nextFloat() - 1) * k;
        }
        return v;
    }

    private static double[][] matrix(float[] w, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                m[r][c] = w[r * cols + c];
            }
        }
        return m;
    }

    private static double[] vec(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
