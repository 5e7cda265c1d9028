package io.attn4j.model;

import io.attn4j.cells.CellType;
import io.attn4j.model.ModelConfig.Encoder;
import io.attn4j.model.ModelConfig.Layout;
import io.attn4j.model.ModelConfig.MultiHead;
import io.attn4j.model.ModelConfig.PoolingAttention;
import io.attn4j.model.ModelConfig.Score;
import io.attn4j.model.ModelConfig.ScoreKind;
import io.attn4j.model.ModelConfig.SelfAttention;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The weight tensors a config names, with the shapes it implies, checked against a
 * {@link WeightSource} before anything is built. Sizes the config leaves open (dense layer widths,
 * the additive score's hidden size) are read from the weights and then checked for consistency.
 */
final class ModelWeights {
    /** Marks a dimension the weights decide: printed as {@code *}. */
    private static final long ANY = -1;

    private final WeightSource source;
    private final List<String> encoderNames = new ArrayList<>();
    final int[] headOut;
    final int[] headIn;

    /**
     * Checks every tensor {@code config} names.
     *
     * @throws IllegalArgumentException naming the first tensor that is missing or has a wrong shape,
     *         with the expected and the actual shape
     */
    ModelWeights(ModelConfig config, WeightSource source) {
        this.source = source;
        Encoder enc = config.encoder();
        int hOut = enc.outputSize();
        checkEncoder(config.inputSize(), enc);
        switch (config.attention()) {
            case null -> {
            }
            case SelfAttention s -> checkScore(s.score(), hOut);
            case PoolingAttention p -> {
                checkScore(p.score(), hOut);
                require(p.query(), "attention.query", hOut);
            }
            case MultiHead m -> {
                require(m.prefix() + "in_proj_weight", "attention", 3L * hOut, hOut);
                optional(m.prefix() + "in_proj_bias", "attention", 3L * hOut);
                require(m.prefix() + "out_proj.weight", "attention", hOut, hOut);
                optional(m.prefix() + "out_proj.bias", "attention", hOut);
            }
        }
        int layers = config.head().size();
        headOut = new int[layers];
        headIn = new int[layers];
        int in = hOut;
        for (int i = 0; i < layers; i++) {
            ModelConfig.Dense d = config.head().get(i);
            long[] w = require(d.weight(), "head[" + i + "].weight", ANY, in);
            headIn[i] = in;
            headOut[i] = checkedSize(d.weight(), w, 0);
            if (d.bias() != null) {
                require(d.bias(), "head[" + i + "].bias", headOut[i]);
            }
            in = headOut[i];
        }
    }

    /** The names of the encoder's tensors, in the order the cells read them. */
    List<String> encoderNames() {
        return encoderNames;
    }

    private void checkEncoder(int inputSize, Encoder enc) {
        CellType cell = enc.cell();
        long h = enc.hiddenSize(), gh = (long) cell.gates() * h;
        if (enc.layout() == Layout.PYTORCH) {
            for (int l = 0; l < enc.numLayers(); l++) {
                long in = l == 0 ? inputSize : enc.outputSize();
                for (int dir = 0; dir < (enc.bidirectional() ? 2 : 1); dir++) {
                    String suffix = "_l" + l + (dir == 1 ? "_reverse" : "");
                    encoder(enc.prefix() + "weight_ih" + suffix, gh, in);
                    encoder(enc.prefix() + "weight_hh" + suffix, gh, h);
                    encoder(enc.prefix() + "bias_ih" + suffix, gh);
                    encoder(enc.prefix() + "bias_hh" + suffix, gh);
                }
            }
        } else {
            for (int dir = 0; dir < (enc.bidirectional() ? 2 : 1); dir++) {
                String p = enc.prefix() + (enc.bidirectional() ? (dir == 0 ? "forward." : "backward.") : "");
                encoder(p + "kernel", inputSize, gh);
                encoder(p + "recurrent_kernel", h, gh);
                if (cell == CellType.GRU) {
                    encoder(p + "bias", 2, gh);
                } else {
                    encoder(p + "bias", gh);
                }
            }
        }
    }

    private void encoder(String name, long... shape) {
        require(name, "encoder", shape);
        encoderNames.add(name);
    }

    private void checkScore(Score score, int hOut) {
        String p = score.prefix();
        if (score.kind() == ScoreKind.GENERAL) {
            require(p + "W.weight", "attention", hOut, hOut);
        } else if (score.kind() == ScoreKind.ADDITIVE) {
            long[] w1 = require(p + "W1.weight", "attention", ANY, hOut);
            int a = checkedSize(p + "W1.weight", w1, 0);
            require(p + "W2.weight", "attention", a, hOut);
            require(p + "W2.bias", "attention", a);
            require(p + "v.weight", "attention", 1, a);
        }
    }

    private void optional(String name, String role, long... shape) {
        if (source.contains(name)) {
            require(name, role, shape);
        }
    }

    /** The actual shape of {@code name}, after checking it against {@code expected} ({@link #ANY} matches any size). */
    private long[] require(String name, String role, long... expected) {
        if (!source.contains(name)) {
            throw new WeightException(name, "missing weight tensor '" + name + "' (" + role + ", expected shape "
                    + show(expected) + ")");
        }
        long[] shape = source.shape(name);
        boolean fits = shape.length == expected.length;
        for (int i = 0; fits && i < shape.length; i++) {
            fits = expected[i] == ANY ? shape[i] >= 1 : shape[i] == expected[i];
        }
        if (!fits) {
            throw new WeightException(name, "weight tensor '" + name + "' (" + role + ") has shape "
                    + Arrays.toString(shape) + ", expected " + show(expected));
        }
        return shape;
    }

    private static int checkedSize(String name, long[] shape, int axis) {
        if (shape[axis] > ConfigReader.MAX_SIZE) {
            throw new WeightException(name, "weight tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + ": dimension " + axis + " is larger than " + ConfigReader.MAX_SIZE);
        }
        return (int) shape[axis];
    }

    private static String show(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i] == ANY ? "*" : String.valueOf(shape[i]));
        }
        return sb.append(']').toString();
    }
}
