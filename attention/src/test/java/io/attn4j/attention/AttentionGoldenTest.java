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
 * Every {@code attn_*} golden case (PyTorch's ScoreAttention): raw scores, weights and context,
 * with the mask given each way it can be (key lengths, key padding tensor, causal flag, the
 * combined boolean mask), through the reference and through {@link Attention#attend}. Fully
 * masked rows (NaN in PyTorch) must be zeros.
 */
class AttentionGoldenTest {

    static Stream<Path> cases() {
        List<Path> files = GoldenCases.files("attn_");
        assertFalse(files.isEmpty(), "no attn_ golden cases");
        return files.stream();
    }

    /** The ways of stating a case's mask: each must give the same result. */
    static List<AttentionMask> masks(GoldenCase c, Arena arena) {
        var entries = c.entries();
        List<AttentionMask> masks = new java.util.ArrayList<>();
        if (entries.containsKey("input.mask")) {
            masks.add(AttentionMask.none().withMask(Checks.bytes(arena, c.bool("input.mask"), c.shape("input.mask"))));
        } else {
            masks.add(AttentionMask.none());
        }
        if (entries.containsKey("input.key_lengths")) {
            masks.add(AttentionMask.none().withKeyLengths(c.i64("input.key_lengths")));
        }
        if (entries.containsKey("input.key_padding_mask")) {
            masks.add(AttentionMask.none().withKeyPadding(
                    Checks.bytes(arena, c.bool("input.key_padding_mask"), c.shape("input.key_padding_mask"))));
        }
        if (entries.containsKey("input.causal_mask")) {
            masks.add(AttentionMask.none().withCausal());
            masks.add(AttentionMask.none().withMask(
                    Checks.bytes(arena, c.bool("input.causal_mask"), c.shape("input.causal_mask"))));
        }
        return masks;
    }

    static ScoreFunction score(GoldenCase c, Arena arena) {
        return switch (c.metadata().get("score")) {
            case "dot" -> ScoreFunction.dot();
            case "scaled_dot" -> ScoreFunction.scaledDot();
            case "general" -> ScoreFunction.general(c.f32(arena, "W.weight"));
            case "additive" -> ScoreFunction.additive(c.f32(arena, "W1.weight"), c.f32(arena, "W2.weight"),
                    c.f32(arena, "W2.bias"), c.f32(arena, "v.weight"));
            case "cosine" -> ScoreFunction.cosine();
            default -> throw new AssertionError("unknown score " + c.metadata().get("score"));
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(Path file) throws IOException {
        GoldenCase c = GoldenCase.read(file);
        try (Arena arena = Arena.ofConfined();
                AttentionWorkspace ws = new AttentionWorkspace();
                Attention attention = Attention.of(score(c, arena))) {
            Tensor q = c.f32(arena, "input.query"), k = c.f32(arena, "input.key"), v = c.f32(arena, "input.value");
            Tensor scores = Checks.nans(arena, c.shape("expected.scores"));
            attention.score().scores(q, k, scores, ws);
            Checks.assertGolden(c.name() + " scores", c.f32("expected.scores"), scores.toFloatArray());
            for (AttentionMask mask : masks(c, arena)) {
                Tensor context = Checks.nans(arena, c.shape("expected.context"));
                Tensor weights = Checks.nans(arena, c.shape("expected.weights"));
                attention.attendReference(q, k, v, mask, ws, null, context, weights);
                Checks.assertGolden(c.name() + " weights, " + mask, c.f32("expected.weights"), weights.toFloatArray());
                Checks.assertGolden(c.name() + " context, " + mask, c.f32("expected.context"), context.toFloatArray());
                Tensor auto = Checks.nans(arena, c.shape("expected.context"));
                attention.attend(q, k, v, mask, ws, null, auto, null);
                Checks.assertGolden(c.name() + " context (attend), " + mask, c.f32("expected.context"),
                        auto.toFloatArray());
            }
        }
    }
}
