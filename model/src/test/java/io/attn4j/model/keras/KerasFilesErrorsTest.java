package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.model.SequenceModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken Keras files (made by make_keras_cases.py from a small LSTM -> Dense model) are refused
 * with one {@link MalformedFileException} naming the file and, where one is to blame, the layer
 * and the weight; the files are left as they were.
 */
class KerasFilesErrorsTest {

    private static String refused(String name) throws IOException {
        Path file = KerasCases.file(name, "");
        byte[] before = Files.readAllBytes(file);
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> SequenceModel.load(file));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(file)), "the file is unchanged");
        return e.getMessage();
    }

    private static void contains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + p + "' in: " + message);
        }
    }

    @Test
    void theIntactFileLoads() throws IOException {
        try (SequenceModel model = SequenceModel.load(KerasCases.file("bad_ok", ".keras"))) {
            assertTrue(model.perStep());
            assertEquals(3, model.inputSize());
        }
    }

    @Test
    void aTruncatedArchive() throws IOException {
        contains(refused("bad_truncated.keras"), "truncated or corrupt");
    }

    @Test
    void anArchiveWithoutConfig() throws IOException {
        contains(refused("bad_no_config.keras"), "no config.json in the archive");
    }

    @Test
    void aMissingWeight() throws IOException {
        contains(refused("bad_missing_weight.h5"), "layer 'dense' (Dense)", "kernel", "is not in the file");
    }

    @Test
    void aWeightOfTheWrongShape() throws IOException {
        contains(refused("bad_wrong_shape.h5"), "layer 'lstm' (LSTM)", "kernel", "[3, 7]", "[3, 8]");
    }

    @Test
    void aConfigNamingAWeightThatIsNotThere() throws IOException {
        contains(refused("bad_config_names_missing_weight.keras"), "layer 'dense' (Dense)", "bias",
                "is not in the file");
    }

    @Test
    void anUnsupportedLayer() throws IOException {
        contains(refused("bad_unsupported_layer.keras"), "layer 'conv1d' (Conv1D)", "class Conv1D is not supported");
    }

    @Test
    void neitherFormat(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.keras");
        Files.writeString(file, "not a model");
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> SequenceModel.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void anArchiveWithHugeClaimedEntry(@TempDir Path dir) throws IOException {
        // an archive whose weights entry is not HDF5 at all
        Path file = dir.resolve("junk.keras");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("config.json"));
            zip.write("{}".getBytes());
            zip.putNextEntry(new java.util.zip.ZipEntry("model.weights.h5"));
            zip.write(new byte[100]);
        }
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> SequenceModel.load(file));
        assertTrue(e.getMessage().contains("model.weights.h5"), e.getMessage());
    }
}
