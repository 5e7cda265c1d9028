package io.attn4j.cells;

/**
 * The test oracle: the PyTorch equations of {@link CellType} as plain loops in double precision,
 * over PyTorch-form weights, one sequence at a time, nothing shared with the code under test.
 */
final class ReferenceRecurrent {
    /** PyTorch-form weights of one layer and direction. */
    record Weights(double[][] wIh, double[][] wHh, double[] bIh, double[] bHh) {
    }

    /** Outputs of a run: {@code output[b][t][D*H]}, {@code hN[l*D+d][b][H]}, {@code cN} likewise. */
    record Result(double[][][] output, double[][][] hN, double[][][] cN) {
    }

    private ReferenceRecurrent() {
    }

    /**
     * @param x [batch][seq][in]; weights[l*D + d]; lengths per sequence (null = seq);
     *          h0/c0 [l*D+d][batch][H] or null
     */
    static Result run(RecurrentSpec spec, Weights[] weights, double[][][] x, int[] lengths, double[][][] h0,
            double[][][] c0) {
        int batch = x.length, seq = x[0].length, hid = spec.hiddenSize(), dirs = spec.directions();
        double[][][] layerIn = x;
        double[][][] hN = new double[spec.numLayers() * dirs][batch][hid];
        double[][][] cN = new double[spec.numLayers() * dirs][batch][hid];
        double[][][] out = null;
        for (int l = 0; l < spec.numLayers(); l++) {
            out = new double[batch][seq][dirs * hid];
            for (int d = 0; d < dirs; d++) {
                int idx = l * dirs + d;
                for (int b = 0; b < batch; b++) {
                    int len = lengths == null ? seq : lengths[b];
                    double[] h = h0 == null ? new double[hid] : h0[idx][b].clone();
                    double[] c = c0 == null ? new double[hid] : c0[idx][b].clone();
                    for (int s = 0; s < len; s++) {
                        int t = d == 0 ? s : len - 1 - s;
                        step(spec.cell(), weights[idx], layerIn[b][t], h, c);
                        System.arraycopy(h, 0, out[b][t], d * hid, hid);
                    }
                    hN[idx][b] = h;
                    cN[idx][b] = c;
                }
            }
            layerIn = out;
        }
        return new Result(out, hN, cN);
    }

    /** One step of one cell: updates h (and c) in place. */
    static void step(CellType cell, Weights w, double[] x, double[] h, double[] c) {
        int hid = h.length;
        double[] gi = affine(w.wIh, x, w.bIh);
        double[] gh = affine(w.wHh, h, w.bHh);
        for (int j = 0; j < hid; j++) {
            switch (cell) {
                case RNN_TANH -> h[j] = Math.tanh(gi[j] + gh[j]);
                case RNN_RELU -> h[j] = Math.max(0, gi[j] + gh[j]);
                case LSTM -> {
                    double i = sigmoid(gi[j] + gh[j]);
                    double f = sigmoid(gi[hid + j] + gh[hid + j]);
                    double g = Math.tanh(gi[2 * hid + j] + gh[2 * hid + j]);
                    double o = sigmoid(gi[3 * hid + j] + gh[3 * hid + j]);
                    c[j] = f * c[j] + i * g;
                    h[j] = o * Math.tanh(c[j]);
                }
                case GRU -> {
                    double r = sigmoid(gi[j] + gh[j]);
                    double z = sigmoid(gi[hid + j] + gh[hid + j]);
                    double n = Math.tanh(gi[2 * hid + j] + r * gh[2 * hid + j]);
                    h[j] = (1 - z) * n + z * h[j];
                }
            }
        }
    }

    private static double[] affine(double[][] w, double[] x, double[] b) {
        double[] y = new double[w.length];
        for (int r = 0; r < w.length; r++) {
            double acc = b[r];
            for (int i = 0; i < x.length; i++) {
                acc += w[r][i] * x[i];
            }
            y[r] = acc;
        }
        return y;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }
}
