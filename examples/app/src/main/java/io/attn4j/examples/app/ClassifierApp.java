package io.attn4j.examples.app;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * Runs the shipped classifier ({@code examples/classifier}) on its inputs and compares the
 * predictions with {@code expected.npy}: {@code java -cp ... io.attn4j.examples.app.ClassifierApp
 * [examples/classifier]}. Exits 1 when a prediction is off by more than 1e-5. Works with the
 * vector kernels ({@code --add-modules jdk.incubator.vector}) and without them.
 */
public final class ClassifierApp {
    private ClassifierApp() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "examples/classifier");
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(dir.resolve("model.safetensors"))) {
            Tensor x = Npy.read(dir.resolve("inputs.npy"), arena); // (batch, steps, 32) float32
            int[] lengths = Npy.read(dir.resolve("lengths.npy"), arena).toIntArray();
            float[] expected = Npy.read(dir.resolve("expected.npy"), arena).toFloatArray();
            try (Session session = model.newSession((int) x.dim(0), (int) x.dim(1))) {
                float[] got = session.predict(x, lengths).toFloatArray(); // (batch, 1) probabilities
                double worst = 0;
                for (int b = 0; b < got.length; b++) {
                    worst = Math.max(worst, Math.abs(got[b] - expected[b]));
                }
                System.out.println(model.describe());
                System.out.println("kernels: " + KernelProvider.choice().reason());
                System.out.printf("max |prediction - expected| = %.3g over %d sequences%n", worst, got.length);
                if (!(worst <= 1e-5)) {
                    System.err.println("predictions differ from " + dir.resolve("expected.npy"));
                    System.exit(1);
                }
            }
        }
    }
}
