package io.attn4j.model;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.Allocations;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Steady-state session calls on the calling thread allocate nothing on the heap. Tagged
 * {@code allocation}: run with {@code bin/mvn -Pallocation-checks verify}, in a JVM of their own.
 */
@Tag("allocation")
class SessionAllocationTest {

    @Test
    void sequenceModelSessionCallsAllocateNothing() {
        SplittableRandom rnd = new SplittableRandom(11);
        ModelConfig config = ModelConfig.parse("""
                {"format": "attn4j.sequence-model", "version": 1, "input_size": 32,
                 "encoder": {"cell": "lstm", "hidden_size": 64, "prefix": "lstm."},
                 "attention": {"kind": "self", "score": "scaled_dot"}, "pooling": "mean",
                 "head": [{"weight": "fc.weight", "bias": "fc.bias", "activation": "sigmoid"}]}""", "test");
        try (Arena arena = Arena.ofShared()) {
            Map<String, Tensor> w = Map.of(
                    "lstm.weight_ih_l0", uniform(arena, rnd, 0.2f, 256, 32),
                    "lstm.weight_hh_l0", uniform(arena, rnd, 0.2f, 256, 64),
                    "lstm.bias_ih_l0", uniform(arena, rnd, 0.2f, 256),
                    "lstm.bias_hh_l0", uniform(arena, rnd, 0.2f, 256),
                    "fc.weight", uniform(arena, rnd, 0.2f, 1, 64), "fc.bias", uniform(arena, rnd, 0.2f, 1));
            Tensor x = uniform(arena, rnd, 1f, 4, 20, 32);
            int[] lengths = {20, 13, 5, 1};
            try (SequenceModel model = SequenceModel.build(config, WeightSource.of(w));
                    Session fused = model.newSession(4, 20);
                    Session keeping = model.newSession(4, 20, true)) {
                Allocations.assertSteadyStateFree("a session call, the mean of the self-attention", () -> {
                    for (int i = 0; i < 50; i++) {
                        fused.predict(x, lengths);
                    }
                });
                Allocations.assertSteadyStateFree("a session call and its context, computed on demand", () -> {
                    for (int i = 0; i < 50; i++) {
                        fused.predict(x, lengths);
                        fused.context();
                    }
                });
                Allocations.assertSteadyStateFree("a session call keeping the attention weights", () -> {
                    for (int i = 0; i < 50; i++) {
                        keeping.predict(x, lengths);
                    }
                });
            }
        }
    }

    private static Tensor uniform(Arena arena, SplittableRandom rnd, float scale, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        for (long i = 0; i < t.size(); i++) {
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) ((2 * rnd.nextDouble() - 1) * scale));
        }
        return t;
    }
}
