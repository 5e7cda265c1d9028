package io.attn4j.model.keras;

import static io.attn4j.model.keras.CallArguments.argument;
import static io.attn4j.model.keras.CallArguments.checkKwargs;
import static io.attn4j.model.keras.CallArguments.floatSequence;
import static io.attn4j.model.keras.CallArguments.portList;

import io.attn4j.attention.KerasAttention;
import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.graph.GraphBuilder;
import io.attn4j.model.graph.Port;
import io.attn4j.model.keras.KerasWeights.Spec;
import io.attn4j.model.keras.LayerConfig.Unsupported;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code Attention}, {@code AdditiveAttention} and {@code MultiHeadAttention}: their options,
 * weights and the masks each receives as Keras 3 passes them (see each method).
 */
final class AttentionLayers {
    private final GraphBuilder g;
    private final KerasWeights weights;
    private final Kernels kernels;

    AttentionLayers(GraphBuilder g, KerasWeights weights, Kernels kernels) {
        this.g = g;
        this.weights = weights;
        this.kernels = kernels;
    }

    /**
     * {@code layer([query, value(, key)], mask=[qm, vm], use_causal_mask=...)}: the masks of the
     * call, else those attached to the query and the value.
     */
    Port attention(LayerEntry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        List<Port> in = portList(c, args);
        if (in.size() < 2 || in.size() > 3) {
            throw c.unsupported("it is called on " + in.size() + " tensors; Keras' attention takes [query, value]"
                    + " or [query, value, key]");
        }
        checkKwargs(c, kwargs, "training", "mask", "use_causal_mask", "return_attention_scores");
        if (Boolean.TRUE.equals(kwargs.get("return_attention_scores"))) {
            throw c.option("return_attention_scores", true, "attn4j returns the attention output");
        }
        boolean causal = Boolean.TRUE.equals(kwargs.get("use_causal_mask")) || c.bool("causal", false);
        Port q = floatSequence(c, in.get(0)), v = floatSequence(c, in.get(1));
        Port k = in.size() == 3 ? floatSequence(c, in.get(2)) : null;
        Port qMask, vMask;
        if (kwargs.get("mask") instanceof List<?> masks) {
            qMask = masks.isEmpty() ? null : masks.get(0) instanceof Port p ? p : null;
            vMask = masks.size() < 2 ? null : masks.get(1) instanceof Port p ? p : null;
        } else {
            qMask = q.mask();
            vMask = v.mask();
        }
        boolean additive = e.className().equals("AdditiveAttention");
        boolean useScale = c.bool("use_scale", additive);
        String mode = additive ? "additive" : c.string("score_mode", "dot");
        if (!additive && !mode.equals("dot") && !mode.equals("concat")) {
            throw c.option("score_mode", mode, "dot or concat");
        }
        c.finish();
        int dim = q.features();
        if ((k == null ? v : k).features() != dim || (!mode.equals("dot") && v.features() != dim)) {
            throw c.unsupported("query, key and value feature sizes " + dim + ", " + (k == null ? v : k).features()
                    + ", " + v.features() + " do not fit");
        }
        List<Spec> specs = new ArrayList<>();
        if (useScale) {
            specs.add(additive ? new Spec("", "scale", dim) : new Spec("", "scale"));
        }
        if (mode.equals("concat")) {
            specs.add(new Spec("", "concat_score_weight"));
        }
        float[][] w = weights.read(e, specs);
        KerasAttention layer;
        Float dotScale = null;
        String score;
        if (additive) {
            layer = KerasAttention.additive(useScale ? heap(w[0], dim) : null, kernels);
            score = "additive" + (useScale ? " (learned scale)" : "");
        } else if (mode.equals("dot")) {
            layer = KerasAttention.attention("dot", useScale ? heap(w[0]) : null, null, kernels);
            dotScale = useScale ? w[0][0] : 1f;
            score = useScale ? "scaled dot (scale " + w[0][0] + ")" : "dot";
        } else {
            layer = KerasAttention.attention("concat", useScale ? heap(w[0]) : null, heap(w[useScale ? 1 : 0]),
                    kernels);
            score = "concat (tanh sum)";
        }
        return g.attention(c.layer, e.className(), q, v, k, qMask, vMask, causal, layer, dotScale, score);
    }

    /**
     * {@code layer(query, value, key=None, attention_mask=None, ..., use_causal_mask=...)}: Keras
     * reads the query's mask from the tensor, the value's and key's from the call (filled in from
     * the tensors when not given), and ANDs them with the {@code attention_mask}, which attn4j
     * reads from a boolean model input {@code (batch, query steps, key steps)}.
     */
    Port multiHead(LayerEntry e, LayerConfig c, List<Object> args, Map<String, Object> kwargs)
            throws Unsupported, MalformedFileException {
        checkKwargs(c, kwargs, "training", "query", "value", "key", "query_mask", "value_mask", "key_mask",
                "attention_mask", "use_causal_mask", "return_attention_scores");
        if (Boolean.TRUE.equals(kwargs.get("return_attention_scores"))) {
            throw c.option("return_attention_scores", true, "attn4j returns the attention output");
        }
        Port q = argument(args, 0, kwargs, "query"), v = argument(args, 1, kwargs, "value");
        Port k = argument(args, 2, kwargs, "key");
        if (q == null || v == null) {
            throw c.unsupported("it is called without a query and a value tensor");
        }
        floatSequence(c, q);
        floatSequence(c, v);
        if (k != null) {
            floatSequence(c, k);
        }
        Object attentionMask = kwargs.get("attention_mask");
        if (attentionMask != null && !(attentionMask instanceof Port p && p.kind() == Port.Kind.PAIRS)) {
            throw c.unsupported("its attention_mask " + LayerConfig.show(attentionMask) + " is not a model input:"
                    + " attn4j reads the attention mask from a boolean Input (batch, query steps, key steps)");
        }
        Port vMask = kwargs.get("value_mask") instanceof Port p ? p : v.mask();
        Port kMask = kwargs.get("key_mask") instanceof Port p ? p : k == null ? null : k.mask();
        boolean causal = Boolean.TRUE.equals(kwargs.get("use_causal_mask"));
        int heads = c.positive("num_heads"), keyDim = c.positive("key_dim");
        int valueDim = c.has("value_dim") ? c.positive("value_dim") : keyDim;
        c.raw("value_dim");
        boolean useBias = c.bool("use_bias", true);
        Object outputShape = c.raw("output_shape");
        int outDim = q.features();
        if (outputShape instanceof Long n) {
            outDim = (int) (long) n;
        } else if (outputShape instanceof List<?> l && l.size() == 1 && l.getFirst() instanceof Long n) {
            outDim = (int) (long) n;
        } else if (outputShape != null) {
            throw c.option("output_shape", outputShape, "one size");
        }
        Object axes = c.raw("attention_axes");
        if (axes != null && !Long.valueOf(1).equals(axes) && !List.of(1L).equals(axes)) {
            throw c.option("attention_axes", axes, "attn4j attends over the steps, axis 1");
        }
        c.require("use_gate", false);
        c.require("sliding_window", null);
        c.raw("flash_attention");
        c.finish();
        int kIn = (k == null ? v : k).features();
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec("query_dense", "kernel", q.features(), heads, keyDim));
        if (useBias) {
            specs.add(new Spec("query_dense", "bias", heads, keyDim));
        }
        specs.add(new Spec("key_dense", "kernel", kIn, heads, keyDim));
        if (useBias) {
            specs.add(new Spec("key_dense", "bias", heads, keyDim));
        }
        specs.add(new Spec("value_dense", "kernel", v.features(), heads, valueDim));
        if (useBias) {
            specs.add(new Spec("value_dense", "bias", heads, valueDim));
        }
        specs.add(new Spec("output_dense", "kernel", heads, valueDim, outDim));
        if (useBias) {
            specs.add(new Spec("output_dense", "bias", outDim));
        }
        float[][] read = weights.read(e, specs);
        float[][] w = new float[8][];
        for (int i = 0, at = 0; i < 4; i++) {
            w[2 * i] = read[at++];
            w[2 * i + 1] = useBias ? read[at++] : null;
        }
        try {
            return g.multiHead(c.layer, q, v, k, q.mask(), vMask, kMask, (Port) attentionMask, causal, heads, keyDim,
                    valueDim, outDim, w);
        } catch (IllegalArgumentException ex) {
            throw c.unsupported(ex.getMessage());
        }
    }

    private static Tensor heap(float[] values, long... shape) {
        return Tensor.wrap(MemorySegment.ofArray(values), DType.F32, shape);
    }
}
