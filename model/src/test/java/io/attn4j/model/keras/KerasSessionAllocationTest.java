package io.attn4j.model.keras;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.Allocations;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Steady-state session calls of Keras models allocate nothing on the heap. Tagged
 * {@code allocation}: run with {@code bin/mvn -Pallocation-checks verify}, in a JVM of their own.
 */
@Tag("allocation")
class KerasSessionAllocationTest {

    @ParameterizedTest
    @ValueSource(strings = {"founding_per_step", "founding_pooled", "masking_per_step", "mask_zero_tokens",
            "bidirectional_stack", "functional_concat", "multi_head_self", "custom_activations"})
    void sessionCallsAllocateNothing(String name) throws IOException {
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"))) {
            Tensor x = Npy.read(KerasCases.file(name, ".x.npy"), arena);
            int batch = (int) x.dim(0), seq = (int) x.dim(1);
            int[] lengths = new int[batch];
            for (int b = 0; b < batch; b++) {
                lengths[b] = Math.max(1, seq - b);
            }
            try (Session session = model.newSession(batch, seq)) {
                Allocations.assertSteadyStateFree(name + ": a session call", () -> {
                    for (int i = 0; i < 50; i++) {
                        session.predict(x, lengths);
                    }
                });
            }
        }
    }
}
