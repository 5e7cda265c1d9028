package io.attn4j.engine.io;

import static io.attn4j.engine.io.SafeTensorsBytes.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.golden.GoldenCases;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupted safetensors files (from {@link HostileBytes}, starting from the small golden cases and
 * from files holding every dtype) either open with every tensor readable at its stated size, or
 * are refused with a {@link MalformedFileException} naming the file. Any other exception, an
 * out-of-memory error or a crash fails the trial, which names the seed that replays it.
 */
class SafeTensorsHostileFilesTest {
    /** Golden files up to this size are used as starting points (larger ones only slow the trials down). */
    private static final long MAX_SEED_FILE = 40_000;

    @TempDir
    Path tmp;

    @Test
    void corruptedFilesOpenCorrectlyOrAreRefusedAsMalformed() throws IOException {
        List<byte[]> valid = validFiles();
        Path file = tmp.resolve("hostile.safetensors");
        int[] outcome = new int[2]; // opened, refused
        RandomTrials.run(10_000, rnd -> {
            byte[] bytes = HostileBytes.mutate(valid.get(rnd.nextInt(valid.size())), HostileBytes.SAFETENSORS, rnd);
            Files.write(file, bytes);
            outcome[readEverything(file, bytes.length) ? 0 : 1]++;
        });
        // both outcomes must occur, or the generator tests nothing (all refused) or corrupts nothing (all opened)
        int total = outcome[0] + outcome[1];
        assertTrue(outcome[0] >= total / 50 && outcome[1] >= total / 2,
                "opened " + outcome[0] + ", refused " + outcome[1]);
    }

    /** True if the file opened and read completely; false if it was refused as malformed. */
    private static boolean readEverything(Path file, long fileSize) throws IOException {
        SafeTensorsFile f;
        try {
            f = SafeTensorsFile.open(file);
        } catch (MalformedFileException e) {
            assertEquals(file, e.file());
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            e.tensor().ifPresent(name -> assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage()));
            return false;
        }
        try (f) {
            long total = 0;
            for (String name : f.names()) {
                TensorInfo info = f.info(name);
                Tensor t = f.tensor(name);
                assertEquals(info.size() * info.dtype().byteSize(), info.byteSize(), name);
                assertEquals(info.byteSize(), t.segment().byteSize(), name);
                assertEquals(info.size(), switch (info.dtype()) {
                    case F32, F16, BF16 -> f.f32(name).toFloatArray().length;
                    case BOOL -> t.toBooleanArray().length;
                    case I8, I32, I64 -> t.toLongArray().length;
                }, name);
                total += info.byteSize();
            }
            assertTrue(total <= fileSize - 8, "tensors of " + total + " bytes in a file of " + fileSize);
            return true;
        }
    }

    /** Small golden files, a file of every dtype written by the writer, and a hand-made one with misaligned data. */
    private List<byte[]> validFiles() throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (Path golden : GoldenCases.files("")) {
            if (Files.size(golden) <= MAX_SEED_FILE) {
                out.add(Files.readAllBytes(golden));
            }
        }
        assertTrue(out.size() >= 10, out.size() + " small golden files");
        Path mixed = tmp.resolve("mixed.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (DType type : DType.values()) {
                tensors.put(type.name().toLowerCase(), Tensor.allocate(arena, type, 3, 2));
            }
            tensors.put("scalar", Tensor.of(arena, new float[]{1}));
            tensors.put("empty", Tensor.allocate(arena, DType.I64, 0, 4));
            SafeTensorsWriter.write(mixed, tensors, Map.of("format", "pt"));
        }
        out.add(Files.readAllBytes(mixed));
        out.add(SafeTensorsBytes.of("{" + entry("b", "BOOL", "[1]", 0, 1) + ", " + entry("w", "F32", "[2]", 1, 9) + ", "
                + entry("h", "F16", "[1]", 9, 11) + "}", new byte[11]));
        return out;
    }
}
