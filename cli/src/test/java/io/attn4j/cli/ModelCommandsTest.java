package io.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.io.SafeTensorsWriter;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code attn4j inspect} and {@code attn4j run} on the shipped example model and on bad input, in-process. */
class ModelCommandsTest {
    /** The example the README's first command runs (tests run in cli/). */
    private static final Path EXAMPLE = Path.of("..", "examples", "classifier");
    private static final String MODEL = EXAMPLE.resolve("model.safetensors").toString();
    private static final String INPUTS = EXAMPLE.resolve("inputs.npy").toString();
    private static final String LENGTHS = EXAMPLE.resolve("lengths.npy").toString();

    record Outcome(int code, String out, String err) {
    }

    private static Outcome run(String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void inspectListsTensorsMetadataAndTheModel() {
        Outcome r = run("inspect", MODEL);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+lstm\\.weight_hh_l0\\s+F32\\s+\\(256, 64\\)\\s+65536")),
                r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+fc\\.bias\\s+F32\\s+\\(1,\\)\\s+4")), r.out());
        assertTrue(r.out().contains("attn4j.config"), r.out());
        assertTrue(r.out().contains("LSTM(32 -> 64, 1 layer) -> scaled-dot self-attention (padding mask) -> masked mean"
                + " -> Linear(64 -> 1) + sigmoid"), r.out());
    }

    @Test
    void runWritesThePredictionsTheExampleExpects(@TempDir Path dir) throws IOException {
        Path output = dir.resolve("y.npy");
        Outcome r = run("run", "--model", MODEL, "--input", INPUTS, "--lengths", LENGTHS, "--output", output.toString(),
                "--repeat", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(8, 20, 32) float32"), r.out());
        assertTrue(r.out().contains("output  (8, 1) float32"), r.out());
        assertTrue(r.out().contains("p50"), r.out());
        try (Arena arena = Arena.ofConfined()) {
            float[] got = Npy.read(output, arena).toFloatArray();
            float[] expected = Npy.read(EXAMPLE.resolve("expected.npy"), arena).toFloatArray();
            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) {
                // the example's float64 outputs lie in (0, 1): 1e-5 of scale, the golden-case tolerance
                assertEquals(expected[i], got[i], 1e-5, "prediction " + i);
            }
            // the summary prints the same numbers, to six decimals
            assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "[0] %.6f", got[0])), r.out());
        }
    }

    @Test
    void withoutLengthsEveryStepCounts(@TempDir Path dir) throws IOException {
        Path output = dir.resolve("y.npy");
        assertEquals(0, run("run", "--model", MODEL, "--input", INPUTS, "--output", output.toString()).code());
        try (Arena arena = Arena.ofConfined()) {
            float[] all = Npy.read(output, arena).toFloatArray();
            long[] lengths = Npy.read(Path.of(LENGTHS), arena).toLongArray();
            Path withLengths = dir.resolve("z.npy");
            assertEquals(0, run("run", "--model", MODEL, "--input", INPUTS, "--lengths", LENGTHS, "--output",
                    withLengths.toString()).code());
            float[] masked = Npy.read(withLengths, arena).toFloatArray();
            for (int b = 0; b < all.length; b++) {
                if (lengths[b] == 20) {
                    assertEquals(Float.floatToIntBits(masked[b]), Float.floatToIntBits(all[b]), "full-length row " + b);
                }
            }
        }
    }

    @Test
    void badFilesAndShapesEndInOneLineAndStatusOne(@TempDir Path dir) throws IOException {
        Path garbage = Files.write(dir.resolve("garbage.safetensors"), new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        Path wrongFeatures = dir.resolve("x31.npy");
        Path wrongLengths = dir.resolve("l3.npy");
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(wrongFeatures, Tensor.allocate(arena, io.attn4j.engine.tensor.DType.F32, 2, 5, 31));
            Tensor l = Tensor.allocate(arena, io.attn4j.engine.tensor.DType.I64, 3);
            l.copyFrom(new long[]{1, 2, 3});
            Npy.write(wrongLengths, l);
        }
        Map<String[], String> cases = new LinkedHashMap<>();
        cases.put(new String[]{"inspect", garbage.toString()}, garbage.toString());
        cases.put(new String[]{"inspect", dir.resolve("missing.safetensors").toString()}, "no such file");
        cases.put(new String[]{"run", "--model", garbage.toString(), "--input", INPUTS}, garbage.toString());
        cases.put(new String[]{"run", "--model", MODEL, "--input", wrongFeatures.toString()}, "32");
        cases.put(new String[]{"run", "--model", MODEL, "--input", INPUTS, "--lengths", wrongLengths.toString()},
                "(8,)");
        cases.put(new String[]{"run", "--model", MODEL, "--input", LENGTHS}, "float32");
        cases.put(new String[]{"run", "--model", MODEL, "--input", INPUTS, "--lengths", INPUTS}, "--lengths");
        for (Map.Entry<String[], String> c : cases.entrySet()) {
            String what = String.join(" ", c.getKey());
            Outcome r = run(c.getKey());
            assertEquals(1, r.code(), what + "\n" + r.out() + r.err());
            assertEquals(1, r.err().lines().count(), what + ": one line expected, got\n" + r.err());
            assertTrue(r.err().startsWith("attn4j " + c.getKey()[0] + ": "), r.err());
            assertTrue(r.err().contains(c.getValue()),
                    what + ": the message should name '" + c.getValue() + "': " + r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
        Outcome verbose = run("inspect", "--verbose", garbage.toString());
        assertEquals(1, verbose.code());
        assertTrue(verbose.err().contains("\tat io.attn4j."), "--verbose prints the stack trace:\n" + verbose.err());
    }

    @Test
    void runLeavesAnExistingOutputAloneWhenItFails(@TempDir Path dir) throws IOException {
        Path output = Files.writeString(dir.resolve("y.npy"), "keep me");
        Path wrongFeatures = dir.resolve("x31.npy");
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(wrongFeatures, Tensor.allocate(arena, io.attn4j.engine.tensor.DType.F32, 2, 5, 31));
        }
        assertEquals(1, run("run", "--model", MODEL, "--input", wrongFeatures.toString(), "--output", output.toString())
                .code());
        assertEquals("keep me", Files.readString(output));
    }

    @Test
    void aModelWithoutAConfigIsNamedAsSuch(@TempDir Path dir) throws IOException {
        Path weights = dir.resolve("bare.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            SafeTensorsWriter.write(weights, Map.of("w", Tensor.of(arena, new float[]{1, 2}, 2)), Map.of());
        }
        Outcome r = run("inspect", weights.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Model: none"), r.out());
        Outcome run = run("run", "--model", weights.toString(), "--input", INPUTS);
        assertEquals(1, run.code());
        assertTrue(run.err().contains("no model config"), run.err());
        assertArrayEquals(new String[0], run.out().lines().filter(l -> l.startsWith("output")).toArray());
    }
}
