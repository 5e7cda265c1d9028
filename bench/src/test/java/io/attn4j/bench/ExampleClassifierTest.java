package io.attn4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.lang.foreign.Arena;

/**
 * The shipped example ({@code examples/classifier}) loads with {@link SequenceModel#load} from its
 * weights file alone (the config is in the file's metadata), and from the same weights saved by
 * Keras ({@code model.keras}), and reproduces the float64 outputs its script computed, so the
 * first command a user runs gives the documented predictions.
 */
class ExampleClassifierTest {

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"model.safetensors", "model.keras"})
    void predictsTheExpectedOutputsOfTheExample(String file) throws Exception {
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(ExampleClassifier.DIR.resolve(file))) {
            Tensor x = ExampleClassifier.read("inputs.npy", arena);
            int[] lengths = ExampleClassifier.read("lengths.npy", arena).toIntArray();
            float[] expected = ExampleClassifier.read("expected.npy", arena).toFloatArray();
            int batch = (int) x.shape()[0], steps = (int) x.shape()[1];
            try (Session session = model.newSession(batch, steps)) {
                Tensor prob = session.predict(x, lengths);

                assertArrayEquals(new long[]{batch, 1}, prob.shape());
                float[] got = prob.toFloatArray();
                // The golden cases' rule: |got - expected| <= 1e-5 * max(1, max |expected|); probabilities are <= 1.
                for (int b = 0; b < batch; b++) {
                    assertTrue(Math.abs(got[b] - expected[b]) <= 1e-5,
                            "sequence " + b + ": " + got[b] + " vs " + expected[b]);
                }
            }
        }
    }
}
