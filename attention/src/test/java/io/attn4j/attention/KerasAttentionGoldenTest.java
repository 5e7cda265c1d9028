package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.attn4j.engine.golden.GoldenCase;
import io.attn4j.engine.golden.GoldenCases;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code keras_attention*} and {@code keras_additive_attention*} golden case: Keras'
 * Attention and AdditiveAttention layers with their weights and masks (True = keep), the output
 * and the attention scores (softmax weights).
 */
class KerasAttentionGoldenTest {

    static Stream<Path> cases() {
        List<Path> files = new java.util.ArrayList<>(GoldenCases.files("keras_attention"));
        files.addAll(GoldenCases.files("keras_additive_attention"));
        assertFalse(files.isEmpty(), "no keras attention golden cases");
        return files.stream();
    }

    static KerasAttention layer(GoldenCase c, Arena arena) {
        String module = c.metadata().get("module");
        boolean useScale = module.contains("use_scale=True");
        Tensor scale = useScale ? c.f32(arena, "scale") : null;
        if (module.startsWith("keras.layers.AdditiveAttention")) {
            return KerasAttention.additive(scale);
        }
        if (module.contains("score_mode='concat'")) {
            return KerasAttention.attention("concat", scale, c.f32(arena, "concat_score_weight"));
        }
        return KerasAttention.attention("dot", scale, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesKeras(Path file) throws IOException {
        GoldenCase c = GoldenCase.read(file);
        var has = c.entries();
        try (Arena arena = Arena.ofConfined();
                AttentionWorkspace ws = new AttentionWorkspace();
                KerasAttention layer = layer(c, arena)) {
            Tensor q = c.f32(arena, "input.query"), v = c.f32(arena, "input.value");
            Tensor k = has.containsKey("input.key") ? c.f32(arena, "input.key") : null;
            Tensor qMask = has.containsKey("input.query_mask")
                    ? Checks.bytes(arena, c.bool("input.query_mask"), c.shape("input.query_mask"))
                    : null;
            Tensor vMask = has.containsKey("input.value_mask")
                    ? Checks.bytes(arena, c.bool("input.value_mask"), c.shape("input.value_mask"))
                    : null;
            boolean causal = c.metadata().get("call").contains("use_causal_mask=True");
            Tensor out = Checks.nans(arena, c.shape("expected.output"));
            Tensor scores = Checks.nans(arena, c.shape("expected.attention_scores"));
            layer.call(q, v, k, qMask, vMask, causal, ws, null, out, scores);
            Checks.assertGolden(c.name() + " attention_scores", c.f32("expected.attention_scores"),
                    scores.toFloatArray());
            Checks.assertGolden(c.name() + " output", c.f32("expected.output"), out.toFloatArray());
            Tensor alone = Checks.nans(arena, c.shape("expected.output"));
            layer.call(q, v, k, qMask, vMask, causal, ws, null, alone, null);
            Checks.assertGolden(c.name() + " output without scores", c.f32("expected.output"), alone.toFloatArray());
        }
    }
}
