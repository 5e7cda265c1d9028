package io.attn4j.engine.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The golden reader over SafeTensorsFile: every golden file against the manifest, and hand-made files. */
class GoldenCaseTest {
    @TempDir
    Path tmp;

    @Test
    void everyGoldenFileHoldsWhatTheManifestLists() throws IOException {
        GoldenManifest manifest = GoldenManifest.read();
        assertTrue(manifest.cases().size() >= 32, "manifest lists " + manifest.cases().size() + " cases");
        for (Map<String, Object> entry : manifest.cases()) {
            Path file = GoldenCases.directory().resolve("cases").resolve((String) entry.get("file"));
            GoldenCase c = GoldenCase.read(file);
            assertEquals(((Long) entry.get("bytes")).longValue(), Files.size(file), c + ": size");
            assertEquals(c.name(), c.metadata().get("case"), c + ": metadata case");
            assertEquals(entry.get("kind"), c.metadata().get("kind"), c + ": kind");
            List<GoldenManifest.TensorSpec> want = GoldenManifest.tensors(entry);
            assertEquals(want.stream().map(GoldenManifest.TensorSpec::name).toList(), List.copyOf(c.entries().keySet()),
                    c + ": names");
            for (GoldenManifest.TensorSpec t : want) {
                GoldenCase.Entry e = c.entries().get(t.name());
                assertEquals(t.dtype(), e.dtype(), c + ": " + t.name());
                assertArrayEquals(t.shape().stream().mapToLong(Long::longValue).toArray(), e.shape(),
                        c + ": " + t.name());
                long decoded = switch (e.dtype()) { // every tensor decodes to as many values as its shape says
                    case "F32" -> c.f32(t.name()).length;
                    case "BOOL" -> c.bool(t.name()).length;
                    case "I64" -> c.i64(t.name()).length;
                    default -> throw new AssertionError(c + ": unexpected dtype " + e.dtype());
                };
                assertEquals(e.count(), decoded);
            }
        }
    }

    @Test
    void decodedValuesMatchWhatTheReadmeStates() throws IOException {
        Path cases = GoldenCases.directory().resolve("cases");
        GoldenCase packed = GoldenCase.read(cases.resolve("lstm_packed_l1_b3_s7_len731.safetensors"));
        assertArrayEquals(new long[]{7, 3, 1}, packed.i64("input.lengths"));
        GoldenCase attn = GoldenCase.read(cases.resolve("attn_dot_cross_kpm.safetensors"));
        boolean[] pad = attn.bool("input.key_padding_mask"); // (3, 7), true where j >= key_lengths[b]
        long[] lengths = attn.i64("input.key_lengths");
        for (int b = 0; b < 3; b++) {
            for (int j = 0; j < 7; j++) {
                assertEquals(j >= lengths[b], pad[b * 7 + j], "mask[" + b + ", " + j + "]");
            }
        }
        GoldenCase softmax = GoldenCase.read(cases.resolve("softmax_len1.safetensors"));
        for (float y : softmax.f32("expected.y")) { // a softmax over one column is 1
            assertEquals(1f, y);
        }
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = softmax.f32(arena, "input.x");
            assertArrayEquals(new long[]{11, 1}, x.shape());
            assertArrayEquals(softmax.f32("input.x"), x.toFloatArray());
        }
    }

    /** A safetensors file with {@code header} (padded to 8) followed by {@code data}. */
    private Path file(String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        b.put(data);
        Path f = Files.createTempFile(tmp, "case", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static byte[] bytes(float[] f32, byte[] bool, long[] i64) {
        ByteBuffer b = ByteBuffer.allocate(f32.length * 4 + bool.length + i64.length * 8)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float v : f32) {
            b.putFloat(v);
        }
        b.put(bool);
        for (long v : i64) {
            b.putLong(v);
        }
        return b.array();
    }

    @Test
    void readsAHandMadeFile() throws IOException {
        String header = """
                { "__metadata__": {"note": "tab\\there \\u00e9 \\"q\\""},
                  "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                  "m": {"dtype": "BOOL", "shape": [3], "data_offsets": [16, 19]},
                  "n": {"dtype": "I64", "shape": [2], "data_offsets": [19, 35]},
                  "s": {"dtype": "F32", "shape": [], "data_offsets": [35, 39]} }""";
        byte[] data = bytes(new float[]{1.5f, -2f, Float.NEGATIVE_INFINITY, Float.NaN}, new byte[]{0, 1, 0},
                new long[]{-3, 1L << 40});
        data = Arrays.copyOf(data, data.length + 4);
        ByteBuffer.wrap(data, 35, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.25f);
        GoldenCase c = GoldenCase.read(file(header, data));
        assertEquals("tab\there \u00e9 \"q\"", c.metadata().get("note"));
        assertEquals(List.of("w", "m", "n", "s"), List.copyOf(c.entries().keySet()));
        assertArrayEquals(new float[]{1.5f, -2f, Float.NEGATIVE_INFINITY, Float.NaN}, c.f32("w"));
        assertArrayEquals(new boolean[]{false, true, false}, c.bool("m"));
        assertArrayEquals(new long[]{-3, 1L << 40}, c.i64("n"));
        assertArrayEquals(new float[]{0.25f}, c.f32("s"));
        assertArrayEquals(new long[0], c.shape("s"));
        assertThrows(IllegalArgumentException.class, () -> c.bool("w"), "wrong dtype");
        assertThrows(IllegalArgumentException.class, () -> c.f32("missing"));
    }

    private void malformed(String mentions, Path file) {
        IOException e = assertThrows(IOException.class, () -> GoldenCase.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(mentions), e.getMessage());
    }

    @Test
    void malformedFilesAreRefusedWithTheFileAndTensorNamed() throws IOException {
        byte[] eight = bytes(new float[]{1, 2}, new byte[0], new long[0]);
        malformed("shorter than", Files.write(tmp.resolve("short.safetensors"), new byte[]{1, 2, 3}));
        Path huge = tmp.resolve("huge.safetensors");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        malformed("header length", huge);
        malformed("'w'", file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 12]}}", eight));
        malformed("'w'", file("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 12]}}", eight));
        malformed("'w'", file("{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 8]}}", eight));
        malformed("'w'", file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", eight));
        malformed("overlap", file("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", eight));
        malformed("JSON", file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]", eight));
    }
}
