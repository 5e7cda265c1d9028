package io.attn4j.model;

import io.attn4j.attention.Attention;
import io.attn4j.attention.MultiHeadAttention;
import io.attn4j.attention.ScoreFunction;
import io.attn4j.cells.RecurrentNetwork;
import io.attn4j.cells.RecurrentSpec;
import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.ModelConfig.Encoder;
import io.attn4j.model.ModelConfig.Layout;
import io.attn4j.model.ModelConfig.MultiHead;
import io.attn4j.model.ModelConfig.PoolingAttention;
import io.attn4j.model.ModelConfig.Score;
import io.attn4j.model.ModelConfig.SelfAttention;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of a model that a {@link ModelConfig} describes, built from its weights: the
 * recurrent encoder, the attention (self, pooling or multi-head), the pooling query and the dense
 * head, with the weights copied into memory this pipeline owns. Run by {@link PipelineSession}s;
 * see {@link SequenceModel} for the computation. Immutable after building; {@link #close()} frees
 * the weights.
 */
final class Pipeline implements AutoCloseable {
    final ModelConfig config;
    /** What the parts were built with, and the same kernels without argument checks, for the session's own math. */
    final Kernels kernels;
    final Kernels compute;
    final RecurrentNetwork encoder;
    /** Self-attention or attention pooling; null otherwise. */
    final Attention attention;
    final MultiHeadAttention multiHead;
    final Arena arena;
    /** The pooling query {@code (Hout)}, or null. */
    final Tensor query;
    final Tensor[] headWeight;
    /** Per layer: {@code (out)} or null. */
    final Tensor[] headBias;
    final int[] headIn;
    final int[] headOut;
    final String description;
    /** The additive score's hidden size ({@code W1.weight}'s rows); 0 for the other scores. */
    final int scoreHidden;

    private Pipeline(ModelConfig config, ModelWeights plan, WeightSource source, Kernels kernels,
            List<AutoCloseable> built) {
        this.config = config;
        this.kernels = kernels;
        this.compute = Backend.of(kernels).kernels();
        this.arena = Arena.ofShared();
        built.add(arena);
        Encoder enc = config.encoder();
        RecurrentSpec spec = new RecurrentSpec(enc.cell(), config.inputSize(), enc.hiddenSize(), enc.numLayers(),
                enc.bidirectional());
        Map<String, Tensor> encoderWeights = new LinkedHashMap<>();
        for (String name : plan.encoderNames()) {
            encoderWeights.put(name, source.f32(name));
        }
        encoder = enc.layout() == Layout.PYTORCH
                ? RecurrentNetwork.fromPyTorch(spec, encoderWeights, enc.prefix(), kernels)
                : RecurrentNetwork.fromKeras(spec, encoderWeights, enc.prefix(), kernels);
        built.add(encoder);
        switch (config.attention()) {
            case SelfAttention s -> {
                attention = Attention.of(score(s.score(), source), kernels);
                multiHead = null;
                query = null;
            }
            case PoolingAttention p -> {
                attention = Attention.of(score(p.score(), source), kernels);
                multiHead = null;
                query = copy(source, p.query());
            }
            case MultiHead m -> {
                attention = null;
                multiHead = MultiHeadAttention.fromPyTorch(m.numHeads(), source.f32(m.prefix() + "in_proj_weight"),
                        optional(source, m.prefix() + "in_proj_bias"), source.f32(m.prefix() + "out_proj.weight"),
                        optional(source, m.prefix() + "out_proj.bias"), kernels);
                query = null;
            }
            case null -> {
                attention = null;
                multiHead = null;
                query = null;
            }
        }
        if (attention != null) {
            built.add(attention);
        }
        if (multiHead != null) {
            built.add(multiHead);
        }
        int layers = config.head().size();
        headWeight = new Tensor[layers];
        headBias = new Tensor[layers];
        for (int i = 0; i < layers; i++) {
            ModelConfig.Dense d = config.head().get(i);
            headWeight[i] = copy(source, d.weight());
            headBias[i] = d.bias() == null ? null : copy(source, d.bias());
        }
        headIn = plan.headIn;
        headOut = plan.headOut;
        scoreHidden = switch (config.attention()) {
            case SelfAttention a when a.score().kind() == ModelConfig.ScoreKind.ADDITIVE ->
                (int) source.shape(a.score().prefix() + "W1.weight")[0];
            case PoolingAttention a when a.score().kind() == ModelConfig.ScoreKind.ADDITIVE ->
                (int) source.shape(a.score().prefix() + "W1.weight")[0];
            case null, default -> 0;
        };
        description = config.describe(name -> source.contains(name) ? source.shape(name) : null);
    }

    /**
     * Checks every weight the config names against the shape the config implies, then converts
     * the weights once into the pipeline's own memory.
     *
     * @throws IllegalArgumentException naming the first tensor that is missing or of the wrong
     *         shape; nothing stays allocated
     */
    static Pipeline build(ModelConfig config, WeightSource weights, Kernels kernels) {
        ModelWeights plan = new ModelWeights(config, weights);
        List<AutoCloseable> built = new ArrayList<>();
        try {
            return new Pipeline(config, plan, weights, kernels, built);
        } catch (RuntimeException e) {
            for (int i = built.size() - 1; i >= 0; i--) {
                try {
                    built.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private ScoreFunction score(Score s, WeightSource source) {
        String p = s.prefix();
        return switch (s.kind()) {
            case DOT -> ScoreFunction.dot();
            case SCALED_DOT -> s.scale() == null ? ScoreFunction.scaledDot() : ScoreFunction.scaledDot(s.scale());
            case GENERAL -> ScoreFunction.general(source.f32(p + "W.weight"));
            case ADDITIVE -> ScoreFunction.additive(source.f32(p + "W1.weight"), source.f32(p + "W2.weight"),
                    source.f32(p + "W2.bias"), source.f32(p + "v.weight"));
            case COSINE -> s.temperature() == null ? ScoreFunction.cosine() : ScoreFunction.cosine(s.temperature());
        };
    }

    private Tensor copy(WeightSource source, String name) {
        Tensor t = source.f32(name);
        return Tensor.of(arena, t.toFloatArray(), t.shape());
    }

    private static Tensor optional(WeightSource source, String name) {
        return source.contains(name) ? source.f32(name) : null;
    }

    /** Outputs per sequence: the last head layer's width. */
    int outputSize() {
        return headOut[headOut.length - 1];
    }

    boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Frees the weights. Idempotent. */
    @Override
    public void close() {
        if (!isOpen()) {
            return;
        }
        arena.close();
        encoder.close();
        if (attention != null) {
            attention.close();
        }
        if (multiHead != null) {
            multiHead.close();
        }
    }
}
