package io.attn4j.bench;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * The example classifier's files ({@code examples/classifier}, written by its
 * {@code make_example.py}): {@code model.safetensors}, {@code inputs.npy} float32 (B, T, 32),
 * {@code lengths.npy} int64 (B,) and {@code expected.npy} float32 (B, 1), the model's output
 * computed in float64 by the script.
 */
final class ExampleClassifier {
    /** The example's directory, from the bench module's directory (surefire's working directory). */
    static final Path DIR = Path.of("..", "examples", "classifier");

    private ExampleClassifier() {
    }

    /** {@code DIR/name}, an {@code .npy} file, as a tensor in {@code arena}. */
    static Tensor read(String name, Arena arena) throws IOException {
        return Npy.read(DIR.resolve(name), arena);
    }
}
