package io.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.cli.CliRun.Outcome;
import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attn4j run} on inputs as users have them: float64 and float16 files, pre-padded batches
 * with {@code --padding pre}, Keras' masking rule with {@code --mask-value}; and the combinations
 * it refuses. The reference is the example's post-padded float32 batch with its lengths.
 */
class RunInputsTest {
    private static final int BATCH = 8, STEPS = 20, FEATURES = 32;

    @TempDir
    static Path dir;

    private static float[] inputs;
    private static long[] lengths;
    /** The example's predictions from its own files (post-padded, lengths). */
    private static float[] reference;

    @BeforeAll
    static void readTheExample() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            inputs = Npy.read(CliRun.INPUTS, arena).toFloatArray();
            lengths = Npy.read(CliRun.LENGTHS, arena).toLongArray();
        }
        reference = predictions(dir.resolve("reference.npy"), "--input", CliRun.INPUTS.toString(), "--lengths",
                CliRun.LENGTHS.toString());
    }

    /** Runs the example model with {@code args} and returns the predictions it wrote to {@code output}. */
    private static float[] predictions(Path output, String... args) throws IOException {
        String[] all = new String[args.length + 4];
        all[0] = "run";
        all[1] = "--model";
        all[2] = CliRun.MODEL.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        all[all.length - 1] = "--output=" + output;
        Outcome r = CliRun.run(all);
        assertEquals(0, r.code(), String.join(" ", all) + "\n" + r.all());
        try (Arena arena = Arena.ofConfined()) {
            return Npy.read(output, arena).toFloatArray();
        }
    }

    @Test
    void runsHelpSaysWhatALengthMeansForEachPadding() {
        String help = CliRun.run("run", "--help").out().replaceAll("\\s+", " ");
        assertTrue(
                help.contains(
                        "With --padding post they are its first L[b] steps; with --padding pre, its last L[b] steps."),
                help);
        assertTrue(help.contains("--mask-value=V"), help);
    }

    @Test
    void float64AndFloat16InputsAreConvertedOnLoad() throws IOException {
        // float64 holds every float32 exactly: the same predictions, bit for bit
        Path f64 = write("x64.npy", "<f8", inputs);
        assertArrayEquals(reference, predictions(dir.resolve("y64.npy"), "--input", f64.toString(), "--lengths",
                CliRun.LENGTHS.toString()));

        // float16 rounds the values: the same predictions as float32 holding those rounded values
        float[] rounded = new float[inputs.length];
        for (int i = 0; i < rounded.length; i++) {
            rounded[i] = Float.float16ToFloat(Float.floatToFloat16(inputs[i]));
        }
        Path f16 = write("x16.npy", "<f2", inputs);
        Path f32 = write("x16as32.npy", "<f4", rounded);
        float[] fromF16 = predictions(dir.resolve("y16.npy"), "--input", f16.toString(), "--lengths",
                CliRun.LENGTHS.toString());
        assertArrayEquals(predictions(dir.resolve("y16as32.npy"), "--input", f32.toString(), "--lengths",
                CliRun.LENGTHS.toString()), fromF16);
        assertFalse(Arrays.equals(reference, fromF16), "float16 rounding changes the predictions a little");
    }

    @Test
    void prePaddedInputWithPaddingPreGivesThePostPaddedPredictions() throws IOException {
        Path pre = write("pre.npy", "<f4", prePadded(Float.NaN)); // padding is never read, whatever it holds
        float[] got = predictions(dir.resolve("y-pre.npy"), "--input", pre.toString(), "--lengths",
                CliRun.LENGTHS.toString(), "--padding", "pre");
        assertArrayEquals(reference, got);

        // the same file read as post-padded (the default) is wrong: the test can tell
        Path preZeros = write("pre0.npy", "<f4", prePadded(0f));
        float[] misread = predictions(dir.resolve("y-misread.npy"), "--input", preZeros.toString(), "--lengths",
                CliRun.LENGTHS.toString());
        for (int b = 0; b < BATCH; b++) {
            if (lengths[b] < STEPS) {
                assertTrue(misread[b] != reference[b], "row " + b + " read with the wrong padding differs");
            } else {
                assertEquals(reference[b], misread[b], "row " + b + " has no padding");
            }
        }
    }

    @Test
    void maskValueFindsThePaddingWhereverItIs() throws IOException {
        // Keras' pad_sequences(..., padding='pre') then Masking(0.0): zero steps in front
        Path pre = write("pre-masked.npy", "<f4", prePadded(0f));
        assertArrayEquals(reference, predictions(dir.resolve("y-mask-pre.npy"), "--input", pre.toString(),
                "--mask-value", "0"));
        // the example's own post-padded file has zeros after the valid steps
        assertArrayEquals(reference, predictions(dir.resolve("y-mask-post.npy"), "--input",
                CliRun.INPUTS.toString(), "--mask-value", "0.0"));
        // a value that no step holds masks nothing: every step counts, as without --lengths
        assertArrayEquals(predictions(dir.resolve("y-all.npy"), "--input", CliRun.INPUTS.toString()),
                predictions(dir.resolve("y-mask-none.npy"), "--input", CliRun.INPUTS.toString(), "--mask-value",
                        "-7.5"));
    }

    @Test
    void contradictoryOrMeaninglessCombinationsAreRefusedInOneLine() {
        String model = CliRun.MODEL.toString(), x = CliRun.INPUTS.toString(), l = CliRun.LENGTHS.toString();
        String[][] cases = {
                {"--lengths", l, "--mask-value", "0"},
                {"--padding", "pre"},
                {"--mask-value", "NaN"}};
        String[] mentions = {"--lengths and --mask-value both say which steps are valid",
                "--padding pre needs --lengths", "--mask-value NaN would mask nothing"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[5 + cases[i].length];
            System.arraycopy(new String[]{"run", "--model", model, "--input", x}, 0, args, 0, 5);
            System.arraycopy(cases[i], 0, args, 5, cases[i].length);
            Outcome r = CliRun.run(args);
            assertEquals(2, r.code(), r.all());
            assertEquals(1, r.err().lines().count(), r.all());
            assertTrue(r.err().startsWith("attn4j run: " + mentions[i]), r.all());
            assertEquals("", r.out(), "refused before anything ran\n" + r.all());
        }
    }

    @Test
    void lengthsOutsideOneToStepsAndRowsLeftEmptyByMaskingAreNamed() throws IOException {
        long[] zero = lengths.clone();
        zero[3] = 0;
        long[] tooLong = lengths.clone();
        tooLong[5] = STEPS + 1;
        Path zeros = dir.resolve("zeros.npy");
        float[] allZeroRow = inputs.clone();
        Arrays.fill(allZeroRow, 2 * STEPS * FEATURES, 3 * STEPS * FEATURES, 0f);
        write("zero-row.npy", "<f4", allZeroRow);
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.I64, BATCH);
            t.copyFrom(zero);
            Npy.write(zeros, t);
            t.copyFrom(tooLong);
            Npy.write(dir.resolve("too-long.npy"), t);
        }
        for (String[] c : new String[][]{{"--lengths", zeros.toString(), "--padding", "pre"},
                {"--lengths", dir.resolve("too-long.npy").toString()}}) {
            Outcome r = CliRun.run("run", "--model", CliRun.MODEL.toString(), "--input", CliRun.INPUTS.toString(),
                    c[0], c[1]);
            assertEquals(1, r.code(), r.all());
            assertTrue(r.err().startsWith("attn4j run: --lengths " + c[1]) && r.err().contains("outside [1, 20]"),
                    r.all());
        }
        Outcome masked = CliRun.run("run", "--model", CliRun.MODEL.toString(), "--input",
                dir.resolve("zero-row.npy").toString(), "--mask-value", "0");
        assertEquals(1, masked.code(), masked.all());
        assertTrue(masked.err().contains("--mask-value 0.0") && masked.err().contains("sequences[2] has no valid step"),
                masked.all());
    }

    /** The example batch with each row's valid steps moved to its end, {@code pad} in front. */
    private static float[] prePadded(float pad) {
        float[] out = new float[inputs.length];
        Arrays.fill(out, pad);
        for (int b = 0; b < BATCH; b++) {
            int len = (int) lengths[b];
            System.arraycopy(inputs, b * STEPS * FEATURES, out, (b * STEPS + STEPS - len) * FEATURES, len * FEATURES);
        }
        return out;
    }

    /** {@code values}, (8, 20, 32), as an .npy file of type {@code descr} (little-endian f2, f4 or f8). */
    private static Path write(String name, String descr, float[] values) throws IOException {
        int item = descr.charAt(2) - '0';
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + BATCH + ", " + STEPS + ", "
                + FEATURES + "), }";
        String header = dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + values.length * item)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (float v : values) {
            switch (item) {
                case 2 -> b.putShort(Float.floatToFloat16(v));
                case 4 -> b.putFloat(v);
                default -> b.putDouble(v);
            }
        }
        return Files.write(dir.resolve(name), b.array());
    }
}
