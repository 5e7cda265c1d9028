package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.golden.GoldenCase;
import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.engine.io.SafeTensorsWriter;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SequenceModel#load}: the config from the file's metadata or from config.json beside it,
 * the seed model reproducing PyTorch either way, and every failure a {@link MalformedFileException}
 * naming the file and the tensor or key.
 */
class SequenceModelLoadTest {
    @TempDir
    Path dir;

    @Test
    void theGoldenSeedFileLoadsWithAConfigJsonBesideIt() throws IOException {
        GoldenCase c = SeedModelGoldenTest.seedCase();
        Path weights = Files.copy(c.file(), dir.resolve("seed.safetensors"));
        Files.writeString(dir.resolve("config.json"), SeedModelGoldenTest.exampleConfig());
        checkSeed(c, weights);
    }

    @Test
    void theConfigInTheMetadataWinsOverConfigJson() throws IOException {
        GoldenCase c = SeedModelGoldenTest.seedCase();
        try (Arena arena = Arena.ofConfined()) {
            Path weights = dir.resolve("seed.safetensors");
            SafeTensorsWriter.write(weights, SeedModelGoldenTest.weights(c, arena),
                    Map.of("attn4j.config", SeedModelGoldenTest.exampleConfig()));
            Files.writeString(dir.resolve("config.json"), "not even JSON");
            checkSeed(c, weights);
        }
    }

    private static void checkSeed(GoldenCase c, Path weights) throws IOException {
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(weights);
                Session s = model.newSession(4, 20)) {
            SeedModelGoldenTest.check(c, "expected.prob", s.predict(c.f32(arena, "input.x"),
                    SeedModelGoldenTest.ints(c.i64("input.lengths"))));
        }
    }

    @Test
    void noConfigAnywhereNamesBothPlaces() throws IOException {
        Path weights = writeSeed(Map.of(), null);
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> SequenceModel.load(weights));
        assertEquals(weights, e.file());
        assertTrue(
                e.getMessage().contains("\"attn4j.config\"")
                        && e.getMessage().contains(dir.resolve("config.json").toString()),
                e.getMessage());
    }

    @Test
    void aBadConfigNamesTheFileAndTheKey() throws IOException {
        String bad = SeedModelGoldenTest.exampleConfig().replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"");
        Path weights = writeSeed(Map.of("attn4j.config", bad), null);
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> SequenceModel.load(weights));
        assertEquals(weights, e.file());
        assertTrue(e.getMessage().contains("encoder.hidden_size: expected a positive integer, got \"64\""),
                e.getMessage());

        Path other = writeSeed(Map.of(), bad);
        e = assertThrows(MalformedFileException.class, () -> SequenceModel.load(other));
        assertEquals(dir.resolve("config.json").toAbsolutePath(), e.file());
        assertTrue(e.getMessage().contains("encoder.hidden_size"), e.getMessage());
    }

    @Test
    void aMissingOrMisshapenTensorIsNamed() throws IOException {
        GoldenCase c = SeedModelGoldenTest.seedCase();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> w = new HashMap<>(SeedModelGoldenTest.weights(c, arena));
            w.remove("fc.bias");
            Path missing = dir.resolve("missing.safetensors");
            SafeTensorsWriter.write(missing, w, Map.of("attn4j.config", SeedModelGoldenTest.exampleConfig()));
            MalformedFileException e = assertThrows(MalformedFileException.class, () -> SequenceModel.load(missing));
            assertEquals(Optional.of("fc.bias"), e.tensor());
            assertTrue(e.getMessage().startsWith(missing + ": tensor 'fc.bias': missing weight tensor"),
                    e.getMessage());

            w = new HashMap<>(SeedModelGoldenTest.weights(c, arena));
            w.put("lstm.weight_hh_l0", Tensor.allocate(arena, DType.F32, 256, 32));
            Path misshapen = dir.resolve("misshapen.safetensors");
            SafeTensorsWriter.write(misshapen, w, Map.of("attn4j.config", SeedModelGoldenTest.exampleConfig()));
            e = assertThrows(MalformedFileException.class, () -> SequenceModel.load(misshapen));
            assertEquals(Optional.of("lstm.weight_hh_l0"), e.tensor());
            assertTrue(e.getMessage().contains("has shape [256, 32], expected [256, 64]"), e.getMessage());
        }
    }

    @Test
    void aMalformedFileStaysTheReadersError() throws IOException {
        Path broken = dir.resolve("broken.safetensors");
        Files.write(broken, new byte[]{1, 2, 3});
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> SequenceModel.load(broken));
        assertEquals(broken, e.file());
    }

    /** The seed weights in a new file with {@code metadata}, and config.json beside it when given. */
    private Path writeSeed(Map<String, String> metadata, String configJson) throws IOException {
        GoldenCase c = SeedModelGoldenTest.seedCase();
        Path weights = dir.resolve("model.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            SafeTensorsWriter.write(weights, SeedModelGoldenTest.weights(c, arena), metadata);
        }
        if (configJson != null) {
            Files.writeString(dir.resolve("config.json"), configJson);
        }
        return weights;
    }
}
