package io.attn4j.model;

import io.attn4j.cells.CellType;
import io.attn4j.model.ModelConfig.Activation;
import io.attn4j.model.ModelConfig.Encoder;
import io.attn4j.model.ModelConfig.MultiHead;
import io.attn4j.model.ModelConfig.PoolingAttention;
import io.attn4j.model.ModelConfig.Score;
import io.attn4j.model.ModelConfig.SelfAttention;
import java.util.Map;

/**
 * The test oracle: a {@link ModelConfig}'s model written straight from the equations in double
 * precision, one sequence at a time, over PyTorch-form weights ({@code name -> row-major values}),
 * sharing nothing with the code under test.
 */
final class DoubleModel {
    private final ModelConfig config;
    private final Map<String, double[]> w;
    private final Map<String, long[]> shapes;

    /** @param w PyTorch-form weights (Keras-layout configs are given the PyTorch tensors they were derived from) */
    DoubleModel(ModelConfig config, Map<String, double[]> w, Map<String, long[]> shapes) {
        this.config = config;
        this.w = w;
        this.shapes = shapes;
    }

    /** The model's output for one sequence {@code x [len][in]}. */
    double[] predict(double[][] x) {
        double[][] enc = encode(x);
        double[][] seq = enc;
        double[] pooled;
        switch (config.attention()) {
            case SelfAttention s -> {
                seq = new double[enc.length][];
                for (int i = 0; i < enc.length; i++) {
                    seq[i] = attend(s.score(), enc[i], enc, enc.length);
                }
            }
            case MultiHead m -> seq = multiHead(m, enc);
            case PoolingAttention p -> {
            }
            case null -> {
            }
        }
        if (config.attention() instanceof PoolingAttention p) {
            pooled = attend(p.score(), w.get(p.query()), enc, enc.length);
        } else {
            pooled = pool(seq);
        }
        double[] y = pooled;
        for (ModelConfig.Dense d : config.head()) {
            y = activate(d.activation(), linear(w.get(d.weight()), d.bias() == null ? null : w.get(d.bias()), y,
                    (int) shapes.get(d.weight())[0]));
        }
        return y;
    }

    // ---- encoder: PyTorch's equations, layer by layer; the reverse direction runs t = len-1 .. 0
    private double[][] encode(double[][] x) {
        Encoder e = config.encoder();
        int len = x.length, h = e.hiddenSize(), dirs = e.bidirectional() ? 2 : 1;
        double[][] in = x;
        String p = config.encoder().layout() == ModelConfig.Layout.PYTORCH ? e.prefix() : "torch.";
        for (int l = 0; l < e.numLayers(); l++) {
            double[][] out = new double[len][dirs * h];
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + l + (d == 1 ? "_reverse" : "");
                double[] wIh = w.get(p + "weight_ih" + sfx), wHh = w.get(p + "weight_hh" + sfx);
                double[] bIh = w.get(p + "bias_ih" + sfx), bHh = w.get(p + "bias_hh" + sfx);
                double[] hs = new double[h], cs = new double[h];
                for (int s = 0; s < len; s++) {
                    int t = d == 0 ? s : len - 1 - s;
                    step(e.cell(), h, in[t], wIh, wHh, bIh, bHh, hs, cs);
                    System.arraycopy(hs, 0, out[t], d * h, h);
                }
            }
            in = out;
        }
        return in;
    }

    private static void step(CellType cell, int h, double[] x, double[] wIh, double[] wHh, double[] bIh, double[] bHh,
            double[] hs, double[] cs) {
        int g = cell.gates();
        double[] gi = new double[g * h], gh = new double[g * h];
        for (int r = 0; r < g * h; r++) {
            gi[r] = bIh[r] + dot(wIh, r * x.length, x);
            gh[r] = bHh[r] + dot(wHh, r * h, hs);
        }
        double[] next = new double[h];
        for (int j = 0; j < h; j++) {
            switch (cell) {
                case RNN_TANH -> next[j] = Math.tanh(gi[j] + gh[j]);
                case RNN_RELU -> next[j] = Math.max(0, gi[j] + gh[j]);
                case LSTM -> {
                    double i = sigmoid(gi[j] + gh[j]), f = sigmoid(gi[h + j] + gh[h + j]);
                    double gg = Math.tanh(gi[2 * h + j] + gh[2 * h + j]), o = sigmoid(gi[3 * h + j] + gh[3 * h + j]);
                    cs[j] = f * cs[j] + i * gg;
                    next[j] = o * Math.tanh(cs[j]);
                }
                case GRU -> {
                    double r = sigmoid(gi[j] + gh[j]), z = sigmoid(gi[h + j] + gh[h + j]);
                    double n = Math.tanh(gi[2 * h + j] + r * gh[2 * h + j]);
                    next[j] = (1 - z) * n + z * hs[j];
                }
            }
        }
        System.arraycopy(next, 0, hs, 0, h);
    }

    // ---- attention: context = sum_j softmax_j(s(q, k_j)) k_j over the len valid keys
    private double[] attend(Score score, double[] q, double[][] keys, int len) {
        double[] s = new double[len];
        for (int j = 0; j < len; j++) {
            s[j] = score(score, q, keys[j]);
        }
        double[] a = softmax(s);
        double[] ctx = new double[keys[0].length];
        for (int j = 0; j < len; j++) {
            for (int c = 0; c < ctx.length; c++) {
                ctx[c] += a[j] * keys[j][c];
            }
        }
        return ctx;
    }

    private double score(Score score, double[] q, double[] k) {
        int d = q.length;
        String p = score.prefix();
        return switch (score.kind()) {
            case DOT -> dot(q, 0, k);
            case SCALED_DOT -> dot(q, 0, k) * (score.scale() == null ? 1 / Math.sqrt(d) : score.scale());
            case GENERAL -> dot(q, 0, linear(w.get(p + "W.weight"), null, k, d)); // q^T W k
            case ADDITIVE -> {
                int a = (int) shapes.get(p + "W1.weight")[0];
                double[] u = linear(w.get(p + "W1.weight"), null, q, a),
                        v = linear(w.get(p + "W2.weight"), w.get(p + "W2.bias"), k, a);
                double sum = 0;
                for (int i = 0; i < a; i++) {
                    sum += w.get(p + "v.weight")[i] * Math.tanh(u[i] + v[i]);
                }
                yield sum;
            }
            case COSINE -> dot(q, 0, k) / Math.max(norm(q), 1e-8) / Math.max(norm(k), 1e-8)
                    / (score.temperature() == null ? 1 : score.temperature());
        };
    }

    /** nn.MultiheadAttention self-attention with key padding (the sequence is all valid here) and optional causal mask. */
    private double[][] multiHead(MultiHead m, double[][] x) {
        int len = x.length, e = x[0].length, dh = e / m.numHeads();
        double[] in = w.get(m.prefix() + "in_proj_weight"), bias = w.get(m.prefix() + "in_proj_bias");
        double[][] q = new double[len][], k = new double[len][], v = new double[len][];
        for (int t = 0; t < len; t++) {
            double[] all = linear(in, bias, x[t], 3 * e);
            q[t] = java.util.Arrays.copyOfRange(all, 0, e);
            k[t] = java.util.Arrays.copyOfRange(all, e, 2 * e);
            v[t] = java.util.Arrays.copyOfRange(all, 2 * e, 3 * e);
        }
        double[][] out = new double[len][];
        for (int i = 0; i < len; i++) {
            double[] concat = new double[e];
            for (int hd = 0; hd < m.numHeads(); hd++) {
                int keys = m.causal() ? i + 1 : len;
                double[] s = new double[keys];
                for (int j = 0; j < keys; j++) {
                    for (int c = hd * dh; c < (hd + 1) * dh; c++) {
                        s[j] += q[i][c] * k[j][c];
                    }
                    s[j] /= Math.sqrt(dh);
                }
                double[] a = softmax(s);
                for (int j = 0; j < keys; j++) {
                    for (int c = hd * dh; c < (hd + 1) * dh; c++) {
                        concat[c] += a[j] * v[j][c];
                    }
                }
            }
            out[i] = linear(w.get(m.prefix() + "out_proj.weight"), w.get(m.prefix() + "out_proj.bias"), concat, e);
        }
        return out;
    }

    private double[] pool(double[][] seq) {
        int n = seq[0].length;
        double[] p = new double[n];
        for (int c = 0; c < n; c++) {
            double acc = config.pooling() == ModelConfig.Pooling.MAX ? Double.NEGATIVE_INFINITY : 0;
            for (double[] step : seq) {
                acc = config.pooling() == ModelConfig.Pooling.MAX ? Math.max(acc, step[c]) : acc + step[c];
            }
            p[c] = switch (config.pooling()) {
                case MEAN -> acc / seq.length;
                case LAST -> seq[seq.length - 1][c];
                default -> acc;
            };
        }
        return p;
    }

    private static double[] activate(Activation act, double[] z) {
        double[] y = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            y[i] = switch (act) {
                case IDENTITY, SOFTMAX -> z[i];
                case SIGMOID -> sigmoid(z[i]);
                case TANH -> Math.tanh(z[i]);
                case RELU -> Math.max(0, z[i]);
            };
        }
        return act == Activation.SOFTMAX ? softmax(y) : y;
    }

    /** y [out] = W x + b, W (out, in) row-major. */
    private static double[] linear(double[] wt, double[] b, double[] x, int out) {
        double[] y = new double[out];
        for (int r = 0; r < out; r++) {
            y[r] = (b == null ? 0 : b[r]) + dot(wt, r * x.length, x);
        }
        return y;
    }

    private static double[] softmax(double[] s) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : s) {
            max = Math.max(max, v);
        }
        double[] a = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            a[i] = Math.exp(s[i] - max);
            sum += a[i];
        }
        for (int i = 0; i < s.length; i++) {
            a[i] /= sum;
        }
        return a;
    }

    private static double dot(double[] a, int off, double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += a[off + i] * x[i];
        }
        return s;
    }

    private static double norm(double[] x) {
        return Math.sqrt(dot(x, 0, x));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
