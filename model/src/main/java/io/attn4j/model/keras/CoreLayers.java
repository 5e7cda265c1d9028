package io.attn4j.model.keras;

import static io.attn4j.model.keras.CallArguments.checkKwargs;
import static io.attn4j.model.keras.CallArguments.floatSequence;
import static io.attn4j.model.keras.CallArguments.floatValue;
import static io.attn4j.model.keras.CallArguments.receivedMask;
import static io.attn4j.model.keras.CallArguments.single;

import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.model.graph.Activation;
import io.attn4j.model.graph.GraphBuilder;
import io.attn4j.model.graph.Port;
import io.attn4j.model.keras.KerasWeights.Spec;
import io.attn4j.model.keras.LayerConfig.Unsupported;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The layers that work step by step or pool the steps: {@code Masking}, {@code Embedding},
 * {@code Dense}, {@code TimeDistributed(Dense)}, {@code Activation}, {@code LayerNormalization},
 * {@code GlobalAveragePooling1D}, {@code GlobalMaxPooling1D}, {@code Flatten}, and the layers that
 * are no-ops at inference (dropout, noise). Each passes on the mask Keras passes on: the one it
 * received, a new one ({@code Masking}, {@code Embedding(mask_zero=True)}) or none (pooling,
 * {@code Flatten}).
 */
final class CoreLayers {
    private final GraphBuilder g;
    private final KerasWeights weights;

    CoreLayers(GraphBuilder g, KerasWeights weights) {
        this.g = g;
        this.weights = weights;
    }

    /** Dropout, noise and the like: the input, mask included, unchanged. */
    Port identity(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        Port x = single(c, args);
        checkKwargs(c, kwargs, "training", "mask");
        c.finish();
        return x;
    }

    Port masking(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        Port x = floatSequence(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        float value = (float) c.number("mask_value", 0.0);
        c.finish();
        return g.masking(c.layer, x, value);
    }

    Port embedding(LayerEntry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port ids = single(c, args);
        if (ids.kind() != Port.Kind.TOKENS) {
            throw c.unsupported("its input is not the model's token ids (attn4j runs an Embedding on the input)");
        }
        checkKwargs(c, kwargs, "training");
        int inputDim = c.positive("input_dim"), outputDim = c.positive("output_dim");
        boolean maskZero = c.bool("mask_zero", false);
        c.require("embeddings_constraint", null);
        c.finish();
        float[][] w = weights.read(e, List.of(new Spec("", "embeddings", inputDim, outputDim)));
        return g.embedding(c.layer, ids, w[0], inputDim, outputDim, maskZero);
    }

    /** Dense on the last axis. */
    Port dense(LayerEntry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port x = floatValue(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        return denseOn(e, c, x, "", x.mask());
    }

    /** A Dense layer's node; {@code sub} is where its variables sit ("layer" inside TimeDistributed). */
    private Port denseOn(LayerEntry e, LayerConfig c, Port x, String sub, Port outMask)
            throws Unsupported, MalformedFileException {
        int units = c.positive("units");
        Activation act = CallArguments.activation(c, c.string("activation", "linear"));
        boolean useBias = c.bool("use_bias", true);
        c.require("lora_rank", null);
        c.finish();
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec(sub, "kernel", x.features(), units));
        if (useBias) {
            specs.add(new Spec(sub, "bias", units));
        }
        float[][] w = weights.read(e, specs);
        return g.dense(c.layer, e.className(), x, w[0], useBias ? w[1] : null, units, act, outMask);
    }

    Port timeDistributed(LayerEntry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port x = floatSequence(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        LayerConfig inner = c.nested("layer");
        c.finish();
        if (!inner.className.equals("Dense")) {
            throw c.option("layer", inner.className, "attn4j runs TimeDistributed(Dense)");
        }
        return denseOn(e, new LayerConfig(c.layer, "TimeDistributed(Dense)", inner.map), x, "layer",
                receivedMask(kwargs, x));
    }

    Port activation(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        Port x = floatValue(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        Activation act = CallArguments.activation(c, c.string("activation", "linear"));
        c.finish();
        return g.activation(c.layer, x, act, x.mask());
    }

    Port layerNorm(LayerEntry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        Port x = floatValue(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        Object axis = c.raw("axis");
        int last = x.sequence() ? 2 : 1;
        boolean lastAxis = axis == null || Long.valueOf(-1).equals(axis) || Long.valueOf(last).equals(axis)
                || axis instanceof List<?> l && l.size() == 1
                        && (Long.valueOf(-1).equals(l.getFirst()) || Long.valueOf(last).equals(l.getFirst()));
        if (!lastAxis) {
            throw c.option("axis", axis, "attn4j normalizes the last axis");
        }
        double epsilon = c.number("epsilon", 1e-3);
        boolean center = c.bool("center", true), scale = c.bool("scale", true);
        c.require("rms_scaling", false);
        c.finish();
        List<Spec> specs = new ArrayList<>();
        if (scale) {
            specs.add(new Spec("", "gamma", x.features()));
        }
        if (center) {
            specs.add(new Spec("", "beta", x.features()));
        }
        float[][] w = weights.read(e, specs);
        return g.layerNorm(c.layer, x, epsilon, scale ? w[0] : null, center ? w[scale ? 1 : 0] : null, x.mask());
    }

    Port pooling(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        Port x = floatSequence(c, single(c, args));
        checkKwargs(c, kwargs, "training", "mask");
        c.require("data_format", "channels_last");
        c.require("keepdims", false);
        c.finish();
        boolean max = c.className.equals("GlobalMaxPooling1D");
        Port mask = max ? null : receivedMask(kwargs, x);
        return g.pool(c.layer, c.className, x, mask, max);
    }

    Port flatten(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        Port x = floatValue(c, single(c, args));
        checkKwargs(c, kwargs, "training");
        c.raw("data_format");
        c.finish();
        if (!x.sequence()) {
            return g.withMask(x, null);
        }
        try {
            return g.flatten(c.layer, x);
        } catch (IllegalArgumentException ex) {
            throw c.unsupported(ex.getMessage());
        }
    }
}
