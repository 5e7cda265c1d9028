package io.attn4j.cells;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The network (vector kernels) against {@link ReferenceRecurrent} (double-precision loops), and
 * the invariants of variable-length batches.
 */
class RecurrentPropertiesTest {
    private static final double EPS = 0x1p-24;

    /**
     * Tolerance: each step's pre-activations are dot products of {@code in + H} terms, so float
     * error <= (in + H) eps * sum|terms|; the non-linearities are 1-Lipschitz and add a few ulps;
     * the state recursion (|f|, |z| <= 1) at most accumulates these over the steps. With weights
     * in +-1/sqrt(H) and |x|, |h| <= 1, sum|terms| <= sqrt(in) + sqrt(H) + 2, so
     * |err| <= steps * layers * ((in + H) * (sqrt(in) + sqrt(H) + 2) + 8) * eps.
     */
    static double tolerance(RecurrentSpec spec, int seq) {
        int in = Math.max(spec.inputSize(), spec.outputSize()), h = spec.hiddenSize();
        double perStep = (in + h) * (Math.sqrt(in) + Math.sqrt(h) + 2) + 8;
        return (double) seq * spec.numLayers() * perStep * EPS;
    }

    @Test
    void matchesReference() {
        RandomTrials.run(40,
                rnd -> matchesReference(cell(rnd), size(rnd, 300), size(rnd, 300), size(rnd, 9), size(rnd, 60),
                        1 + rnd.nextInt(2), rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextBoolean(), rnd));
    }

    private void matchesReference(CellType cell, int input, int hidden, int batch, int seq, int layers,
            boolean bidirectional, boolean initialState, boolean variableLengths, RandomGenerator rnd) {
        RecurrentSpec spec = new RecurrentSpec(cell, input, hidden, layers, bidirectional);
        int[] lengths = variableLengths ? randomLengths(rnd, batch, seq) : null;
        try (Arena arena = Arena.ofConfined()) {
            Case c = Case.random(spec, batch, seq, rnd, arena, initialState);
            ReferenceRecurrent.Result want = ReferenceRecurrent.run(spec, c.reference, c.x3(), lengths, c.state3(c.h0),
                    c.state3(c.c0));
            Outputs got = c.run(arena, lengths, null);
            double tol = tolerance(spec, seq);
            assertClose("output", flatten(want.output()), got.output, tol);
            assertClose("hN", flatten(want.hN()), got.hN, tol);
            if (cell == CellType.LSTM) {
                assertClose("cN", flatten(want.cN()), got.cN, tol);
            }
        }
    }

    /** Padding is never read into a result: garbage there changes no output bit. */
    @Test
    void paddingContentChangesNothing() {
        RandomTrials.run(30,
                rnd -> paddingContentChangesNothing(cell(rnd), size(rnd, 40), size(rnd, 6), 1 + size(rnd, 19),
                        rnd.nextBoolean(), rnd));
    }

    private void paddingContentChangesNothing(CellType cell, int hidden, int batch, int seq, boolean bidirectional,
            RandomGenerator rnd) {
        RecurrentSpec spec = new RecurrentSpec(cell, 7, hidden, 2, bidirectional);
        int[] lengths = randomLengths(rnd, batch, seq);
        try (Arena arena = Arena.ofConfined()) {
            Case c = Case.random(spec, batch, seq, rnd, arena, true);
            Outputs clean = c.run(arena, lengths, null);
            float[] garbage = c.x.clone();
            for (int b = 0; b < batch; b++) {
                for (int t = lengths[b]; t < seq; t++) {
                    for (int i = 0; i < 7; i++) {
                        garbage[(b * seq + t) * 7 + i] = rnd.nextBoolean()
                                ? Float.NaN
                                : 1e30f * (float) rnd.nextGaussian();
                    }
                }
            }
            Outputs dirty = c.run(arena, lengths, garbage);
            assertArrayEquals(clean.output, dirty.output);
            assertArrayEquals(clean.hN, dirty.hN);
            assertArrayEquals(clean.cN, dirty.cN);
        }
    }

    /** A batch gives each sequence the rows it gets alone (GEMM versus GEMV: within the bound). */
    @Test
    void batchRowsEqualSingleRuns() {
        RandomTrials.run(30, rnd -> batchRowsEqualSingleRuns(cell(rnd), size(rnd, 70), 1 + size(rnd, 5), size(rnd, 15),
                rnd.nextBoolean(), rnd));
    }

    private void batchRowsEqualSingleRuns(CellType cell, int hidden, int batch, int seq, boolean bidirectional,
            RandomGenerator rnd) {
        RecurrentSpec spec = new RecurrentSpec(cell, 5, hidden, 1, bidirectional);
        int[] lengths = randomLengths(rnd, batch, seq);
        try (Arena arena = Arena.ofConfined()) {
            Case c = Case.random(spec, batch, seq, rnd, arena, false);
            Outputs all = c.run(arena, lengths, null);
            int out = spec.outputSize();
            double tol = tolerance(spec, seq);
            for (int b = 0; b < batch; b++) {
                float[] xb = new float[seq * 5];
                System.arraycopy(c.x, b * seq * 5, xb, 0, xb.length);
                Outputs one = c.single(arena, xb, seq, lengths[b]);
                float[] rows = new float[seq * out];
                System.arraycopy(all.output, b * seq * out, rows, 0, rows.length);
                assertClose("output of sequence " + b, toDouble(one.output), rows, tol);
            }
        }
    }

    /** The reverse direction is the forward direction of the time-reversed sequence with the reverse weights. */
    @Test
    void reverseIsForwardOnReversedTime() {
        RandomTrials.run(30, rnd -> reverseIsForwardOnReversedTime(cell(rnd), size(rnd, 50), size(rnd, 25), rnd));
    }

    private void reverseIsForwardOnReversedTime(CellType cell, int hidden, int seq, RandomGenerator rnd) {
        RecurrentSpec bi = new RecurrentSpec(cell, 6, hidden, 1, true);
        RecurrentSpec uni = new RecurrentSpec(cell, 6, hidden, 1, false);
        try (Arena arena = Arena.ofConfined()) {
            Case c = Case.random(bi, 1, seq, rnd, arena, false);
            Outputs both = c.run(arena, null, null);
            Map<String, Tensor> reverseAsForward = new HashMap<>();
            for (String name : new String[]{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
                reverseAsForward.put(name + "_l0", c.tensors.get(name + "_l0_reverse"));
            }
            float[] reversed = new float[seq * 6];
            for (int t = 0; t < seq; t++) {
                System.arraycopy(c.x, (seq - 1 - t) * 6, reversed, t * 6, 6);
            }
            try (RecurrentNetwork net = RecurrentNetwork.fromPyTorch(uni, reverseAsForward, "");
                    RecurrentWorkspace ws = net.newWorkspace(1, seq)) {
                Tensor x = Tensor.of(arena, reversed, 1, seq, 6);
                Tensor out = Tensor.allocate(arena, DType.F32, 1, seq, hidden);
                net.forward(ws, x, null, null, null, out, null, null);
                float[] fwd = out.toFloatArray();
                for (int t = 0; t < seq; t++) {
                    for (int j = 0; j < hidden; j++) {
                        float reverseDir = both.output[t * 2 * hidden + hidden + j];
                        float forwardOnReversed = fwd[(seq - 1 - t) * hidden + j];
                        assertTrue(reverseDir == forwardOnReversed,
                                "t=" + t + " j=" + j + ": " + reverseDir + " != " + forwardOnReversed);
                    }
                }
            }
        }
    }

    private static CellType cell(RandomGenerator rnd) {
        return CellType.values()[rnd.nextInt(CellType.values().length)];
    }

    /**
     * A size in [1, max], drawn so that the edges (1, max) and small sizes come up often, as
     * they hit the vector tails: one in eight each at the edges, else uniform.
     */
    static int size(RandomGenerator rnd, int max) {
        return switch (rnd.nextInt(8)) {
            case 0 -> 1;
            case 1 -> max;
            default -> 1 + rnd.nextInt(max);
        };
    }

    static int[] randomLengths(RandomGenerator rnd, int batch, int seq) {
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = 1 + rnd.nextInt(seq);
        }
        lengths[rnd.nextInt(batch)] = seq;
        return lengths;
    }

    static void assertClose(String what, double[] want, float[] got, double tol) {
        double scale = 1;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(got[i] - want[i]);
            if (!(err <= tol * scale)) {
                throw new AssertionError(what + "[" + i + "]: got " + got[i] + ", want " + want[i] + " (err " + err
                        + " > " + tol * scale + ")");
            }
        }
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    static double[] flatten(double[][][] a) {
        int n = a.length * a[0].length * a[0][0].length, k = 0;
        double[] d = new double[n];
        for (double[][] x : a) {
            for (double[] y : x) {
                for (double v : y) {
                    d[k++] = v;
                }
            }
        }
        return d;
    }

    record Outputs(float[] output, float[] hN, float[] cN) {
    }
}
