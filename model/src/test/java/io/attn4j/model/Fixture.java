package io.attn4j.model;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A random model of one config variant: its config, its weights (as tensors for the model and as
 * doubles for {@link DoubleModel}), and helpers to make inputs. Weights are uniform in
 * {@code +-1/sqrt(fan_in)} (PyTorch's default initialization), inputs in {@code +-1}.
 */
final class Fixture {
    final ModelConfig config;
    final Map<String, Tensor> tensors = new HashMap<>();
    final Map<String, double[]> doubles = new HashMap<>();
    final Map<String, long[]> shapes = new HashMap<>();
    private final Arena arena;
    private final SplittableRandom rnd;

    /**
     * @param json the config with {@code $IN}, {@code $H} standing for the input and hidden sizes
     * @param hiddenMultiple the hidden size is a multiple of this (multi-head attention needs it)
     */
    Fixture(String json, int hiddenMultiple, SplittableRandom rnd, Arena arena) {
        this.arena = arena;
        this.rnd = rnd;
        int in = 1 + rnd.nextInt(7), h = hiddenMultiple * (1 + rnd.nextInt(8 / hiddenMultiple + 1));
        config = ModelConfig.parse(json.replace("$IN", String.valueOf(in)).replace("$H", String.valueOf(h)),
                "test config");
        encoder();
        int hOut = config.encoder().outputSize();
        String p;
        switch (config.attention()) {
            case ModelConfig.SelfAttention s -> scoreWeights(s.score(), hOut);
            case ModelConfig.PoolingAttention pa -> {
                scoreWeights(pa.score(), hOut);
                add(pa.query(), 1, hOut);
            }
            case ModelConfig.MultiHead m -> {
                p = m.prefix();
                add(p + "in_proj_weight", hOut, 3L * hOut, hOut);
                add(p + "in_proj_bias", hOut, 3L * hOut);
                add(p + "out_proj.weight", hOut, hOut, hOut);
                add(p + "out_proj.bias", hOut, hOut);
            }
            case null -> {
            }
        }
        int width = hOut;
        for (int i = 0; i < config.head().size(); i++) {
            ModelConfig.Dense d = config.head().get(i);
            int out = 1 + rnd.nextInt(5);
            add(d.weight(), width, out, width);
            if (d.bias() != null) {
                add(d.bias(), width, out);
            }
            width = out;
        }
    }

    private void encoder() {
        ModelConfig.Encoder e = config.encoder();
        int h = e.hiddenSize(), g = e.cell().gates() * h, dirs = e.bidirectional() ? 2 : 1;
        boolean keras = e.layout() == ModelConfig.Layout.KERAS;
        String p = keras ? "torch." : e.prefix();
        for (int l = 0; l < e.numLayers(); l++) {
            int in = l == 0 ? config.inputSize() : e.outputSize();
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + l + (d == 1 ? "_reverse" : "");
                add(p + "weight_ih" + sfx, h, g, in);
                add(p + "weight_hh" + sfx, h, g, h);
                add(p + "bias_ih" + sfx, h, g);
                add(p + "bias_hh" + sfx, h, g);
                if (keras) {
                    kerasOf(sfx, e.prefix() + (e.bidirectional() ? (d == 0 ? "forward." : "backward.") : ""), in, h);
                }
            }
        }
    }

    /** The Keras tensors of torch layer-direction {@code sfx}: kernel = W_ih^T, gate blocks z, r, h for a GRU. */
    private void kerasOf(String sfx, String p, int in, int h) {
        boolean gru = config.encoder().cell() == io.attn4j.cells.CellType.GRU;
        int gates = config.encoder().cell().gates(), g = gates * h;
        int[] kerasBlock = gru ? new int[]{1, 0, 2} : new int[]{0, 1, 2, 3};
        double[] wIh = doubles.get("torch.weight_ih" + sfx), wHh = doubles.get("torch.weight_hh" + sfx);
        double[] bIh = doubles.get("torch.bias_ih" + sfx), bHh = doubles.get("torch.bias_hh" + sfx);
        float[] kernel = new float[in * g], recurrent = new float[h * g], bias = new float[(gru ? 2 : 1) * g];
        for (int gate = 0; gate < gates; gate++) {
            for (int j = 0; j < h; j++) {
                int row = gate * h + j, col = kerasBlock[gate] * h + j;
                for (int i = 0; i < in; i++) {
                    kernel[i * g + col] = (float) wIh[row * in + i];
                }
                for (int i = 0; i < h; i++) {
                    recurrent[i * g + col] = (float) wHh[row * h + i];
                }
                if (gru) {
                    bias[col] = (float) bIh[row];
                    bias[g + col] = (float) bHh[row];
                } else {
                    bias[col] = (float) (bIh[row] + bHh[row]);
                }
            }
        }
        tensors.put(p + "kernel", Tensor.of(arena, kernel, in, g));
        tensors.put(p + "recurrent_kernel", Tensor.of(arena, recurrent, h, g));
        tensors.put(p + "bias", gru ? Tensor.of(arena, bias, 2, g) : Tensor.of(arena, bias, g));
        if (!gru) {
            // the reference adds both biases: give it the sum once, as Keras stores it
            double[] sum = new double[g];
            for (int r = 0; r < g; r++) {
                sum[r] = bias[r];
            }
            doubles.put("torch.bias_ih" + sfx, sum);
            doubles.put("torch.bias_hh" + sfx, new double[g]);
        }
    }

    private void scoreWeights(ModelConfig.Score s, int hOut) {
        String p = s.prefix();
        if (s.kind() == ModelConfig.ScoreKind.GENERAL) {
            add(p + "W.weight", hOut, hOut, hOut);
        } else if (s.kind() == ModelConfig.ScoreKind.ADDITIVE) {
            int a = 1 + rnd.nextInt(6);
            add(p + "W1.weight", hOut, a, hOut);
            add(p + "W2.weight", hOut, a, hOut);
            add(p + "W2.bias", hOut, a);
            add(p + "v.weight", a, 1, a);
        }
    }

    /** A weight uniform in +-1/sqrt(fanIn), stored as the float tensor and its exact double values. */
    private void add(String name, int fanIn, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        double[] dv = new double[n];
        double bound = 1 / Math.sqrt(fanIn);
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
            dv[i] = v[i];
        }
        tensors.put(name, Tensor.of(arena, v, shape));
        doubles.put(name, dv);
        shapes.put(name, shape);
    }

    SequenceModel build() {
        return SequenceModel.build(config, WeightSource.of(tensors));
    }

    DoubleModel reference() {
        return new DoubleModel(config, doubles, shapes);
    }

    /** A batch {@code (batch, seq, in)} uniform in +-1 at valid steps and {@code pad} at the others. */
    Tensor input(SplittableRandom r, int batch, int seq, int[] lengths, float pad) {
        int in = config.inputSize();
        Tensor x = Tensor.allocate(arena, DType.F32, batch, seq, in);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                for (int f = 0; f < in; f++) {
                    x.set(t < lengths[b] ? (float) (2 * r.nextDouble() - 1) : pad, b, t, f);
                }
            }
        }
        return x;
    }

    static int[] lengths(SplittableRandom r, int batch, int seq) {
        int[] len = new int[batch];
        for (int b = 0; b < batch; b++) {
            len[b] = r.nextInt(3) == 0 ? seq : 1 + r.nextInt(seq);
        }
        return len;
    }
}
