package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.attn4j.engine.golden.GoldenCase;
import io.attn4j.engine.golden.GoldenCases;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code mha_*} golden case (PyTorch {@code nn.MultiheadAttention}): the output and the
 * weights (averaged or per head, as the case asks), with the key padding given as lengths and as a
 * tensor; and the output alone, which takes the fused path, on the calling thread and on the
 * shared pool.
 */
class MhaGoldenTest {

    static Stream<Path> cases() {
        List<Path> files = GoldenCases.files("mha_");
        assertFalse(files.isEmpty(), "no mha_ golden cases");
        return files.stream();
    }

    static MultiHeadAttention module(GoldenCase c, Arena arena) {
        int heads = Integer.parseInt(c.metadata().get("ctor_args").replaceAll(".*\"num_heads\": *(\\d+).*", "$1"));
        Tensor bias = c.f32(arena, "in_proj_bias");
        Tensor outW = c.f32(arena, "out_proj.weight"), outB = c.f32(arena, "out_proj.bias");
        if (c.entries().containsKey("in_proj_weight")) {
            return MultiHeadAttention.fromPyTorch(heads, c.f32(arena, "in_proj_weight"), bias, outW, outB);
        }
        return MultiHeadAttention.fromPyTorch(heads, c.f32(arena, "q_proj_weight"), c.f32(arena, "k_proj_weight"),
                c.f32(arena, "v_proj_weight"), bias, outW, outB);
    }

    static List<AttentionMask> masks(GoldenCase c, Arena arena) {
        AttentionMask base = AttentionMask.none();
        if (c.entries().containsKey("input.attn_mask")) {
            base = base.withMask(Checks.bytes(arena, c.bool("input.attn_mask"), c.shape("input.attn_mask")));
        }
        if (!c.entries().containsKey("input.key_padding_mask")) {
            return List.of(base);
        }
        return List.of(
                base.withKeyPadding(
                        Checks.bytes(arena, c.bool("input.key_padding_mask"), c.shape("input.key_padding_mask"))),
                base.withKeyLengths(c.i64("input.key_lengths")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(Path file) throws IOException {
        GoldenCase c = GoldenCase.read(file);
        try (Arena arena = Arena.ofShared();
                AttentionWorkspace ws = new AttentionWorkspace();
                MultiHeadAttention mha = module(c, arena)) {
            Tensor q = c.f32(arena, "input.query"), k = c.f32(arena, "input.key"), v = c.f32(arena, "input.value");
            for (AttentionMask mask : masks(c, arena)) {
                Tensor out = Checks.nans(arena, c.shape("expected.attn_output"));
                Tensor weights = Checks.nans(arena, c.shape("expected.attn_weights"));
                mha.forward(q, k, v, mask, ws, null, out, weights);
                Checks.assertGolden(c.name() + " attn_weights, " + mask, c.f32("expected.attn_weights"),
                        weights.toFloatArray());
                Checks.assertGolden(c.name() + " attn_output, " + mask, c.f32("expected.attn_output"),
                        out.toFloatArray());
                for (Executor executor : new Executor[]{null, io.attn4j.engine.parallel.Parallel.sharedExecutor()}) {
                    Tensor alone = Checks.nans(arena, c.shape("expected.attn_output"));
                    mha.forward(q, k, v, mask, ws, executor, alone, null);
                    Checks.assertGolden(c.name() + " attn_output without weights, " + mask,
                            c.f32("expected.attn_output"),
                            alone.toFloatArray());
                }
            }
        }
    }
}
