package io.attn4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * {@code seed_classifier.onnx} (made by {@code bench/scripts/make_seed_classifier_onnx.py} from the
 * example classifier's weights) in ONNX Runtime against the example's float64 expected outputs:
 * the W7 benchmark's ONNX Runtime side computes the same model as attn4j.
 */
class SeedClassifierOnnxTest {

    @Test
    void onnxRuntimeAgreesWithTheFloat64ExpectedOutputs() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = ExampleClassifier.read("inputs.npy", arena);
            long[] lengths = ExampleClassifier.read("lengths.npy", arena).toLongArray();
            float[] expected = ExampleClassifier.read("expected.npy", arena).toFloatArray();

            float[] prob = run(x.toFloatArray(), x.shape(), lengths);

            assertEquals(expected.length, prob.length);
            // The golden cases' rule: |got - expected| <= 1e-5 * max(1, max |expected|); probabilities are <= 1.
            for (int b = 0; b < expected.length; b++) {
                assertTrue(Math.abs(prob[b] - expected[b]) <= 1e-5,
                        "sequence " + b + ": " + prob[b] + " vs " + expected[b]);
            }
        }
    }

    @Test
    void readsNothingPastALength() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = ExampleClassifier.read("inputs.npy", arena);
            long[] lengths = ExampleClassifier.read("lengths.npy", arena).toLongArray();
            float[] padded = x.toFloatArray();
            int steps = (int) x.shape()[1], features = (int) x.shape()[2];
            for (int b = 0; b < lengths.length; b++) {
                for (int i = (int) lengths[b] * features; i < steps * features; i++) {
                    padded[b * steps * features + i] = Float.NaN;
                }
            }
            assertTrue(lengths[lengths.length - 1] < steps, "the example has padding to poison");

            assertArrayEquals(run(x.toFloatArray(), x.shape(), lengths), run(padded, x.shape(), lengths));
        }
    }

    /** prob (B,) of the ONNX model on x (B, T, 32) and lengths (B,). */
    private static float[] run(float[] x, long[] shape, long[] lengths) throws Exception {
        int batch = (int) shape[0];
        try (Arena arena = Arena.ofConfined();
                OnnxModel model = new OnnxModel("seed_classifier.onnx")) {
            MemorySegment xs = arena.allocate((long) x.length * Float.BYTES, 64);
            MemorySegment.copy(x, 0, xs, ValueLayout.JAVA_FLOAT, 0, x.length);
            MemorySegment ls = arena.allocate((long) batch * Long.BYTES, 64);
            MemorySegment.copy(lengths, 0, ls, ValueLayout.JAVA_LONG, 0, batch);
            MemorySegment prob = arena.allocate((long) batch * Float.BYTES, 64);
            prob.fill((byte) 0xFF); // NaN: a run that writes nothing fails
            model.input("X", xs, shape).longInput("lengths", ls, batch).output("prob", prob, batch, 1).run();
            return prob.toArray(ValueLayout.JAVA_FLOAT);
        }
    }
}
