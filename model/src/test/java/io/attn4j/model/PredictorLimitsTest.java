package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Resource limits: a Predictor computes its sessions' memory before allocating anything and refuses
 * a configuration above the caller's limit (by default the machine's memory), or too large to make
 * at all, with the numbers. Each refused configuration would need far more memory than any test
 * machine has, so it could not have been allocated and then refused.
 */
class PredictorLimitsTest {
    @Test
    void absurdConfigurationsAreRefusedBeforeAnythingIsAllocated() {
        try (SequenceModel model = Serving.classifier()) {
            IllegalArgumentException steps = assertThrows(IllegalArgumentException.class,
                    () -> Predictor.builder(model).maxSequenceLength(1_000_000_000).build());
            assertTrue(steps.getMessage().contains("maxSeq 1000000000 is too large"), steps.getMessage());
            IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                    () -> Predictor.builder(model).maxSequenceLength(100).maxBatch(100_000_000).build());
            assertTrue(batch.getMessage().contains("too large"), batch.getMessage());
            IllegalArgumentException sessions = assertThrows(IllegalArgumentException.class,
                    () -> Predictor.builder(model).maxSequenceLength(100).sessions(10_000_000).build());
            assertTrue(sessions.getMessage().contains("bytes of scratch memory, above the limit"),
                    sessions.getMessage());
            assertTrue(model.isOpen(), "a refused build leaves the model to the caller");
        }
    }

    @Test
    void aConfigurationAboveTheCallersLimitIsRefusedWithItsNeed() {
        try (SequenceModel model = Serving.classifier()) {
            long one = model.sessionBytes(64, 100, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Predictor.builder(model).maxSequenceLength(100).maxBatch(64).sessions(2)
                            .scratchLimit(one).build());
            assertTrue(e.getMessage().startsWith("2 sessions of maxBatch 64 x maxSequenceLength 100 need "),
                    e.getMessage());
            try (Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(100).maxBatch(64)
                    .sessions(1).scratchLimit(2 * one).build()) {
                assertTrue(p.metrics().scratchBytes() <= 2 * one);
                assertTrue(p.heldBytes() <= p.metrics().scratchBytes(), "held within what was computed");
            }
        }
    }
}
