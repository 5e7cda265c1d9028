package io.attn4j.engine.io;

import static io.attn4j.engine.io.SafeTensorsBytes.entry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.golden.GoldenCases;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SafeTensorsFile} and {@link SafeTensorsWriter}: round trips, views, widening, lifetime. */
class SafeTensorsFileTest {
    private static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path tmp;

    @Test
    void everyDTypeScalarsEmptyTensorsAndMetadataRoundTrip() throws IOException {
        Path file = tmp.resolve("all.safetensors");
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("note \"é\"", "tab\there");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("f32",
                    Tensor.of(arena, new float[]{1.5f, -0f, Float.NaN, Float.NEGATIVE_INFINITY, 3e-42f, 7}, 2, 3));
            tensors.put("bool", Tensor.allocate(arena, DType.BOOL, 2, 2));
            tensors.get("bool").copyFrom(new boolean[]{true, false, false, true});
            tensors.put("i8", Tensor.allocate(arena, DType.I8, 3));
            tensors.get("i8").copyFrom(new long[]{-128, 0, 127});
            tensors.put("i32", Tensor.allocate(arena, DType.I32, 3));
            tensors.get("i32").copyFrom(new long[]{Integer.MIN_VALUE, -1, Integer.MAX_VALUE});
            tensors.put("i64", Tensor.allocate(arena, DType.I64, 1, 2));
            tensors.get("i64").copyFrom(new long[]{Long.MIN_VALUE, 1L << 40});
            tensors.put("f16", Tensor.allocate(arena, DType.F16, 2));
            tensors.get("f16").segment().setAtIndex(U16_LE, 0, Float.floatToFloat16(-2.5f));
            tensors.get("f16").segment().setAtIndex(U16_LE, 1, Float.floatToFloat16(65504f));
            tensors.put("bf16", Tensor.allocate(arena, DType.BF16, 1));
            tensors.get("bf16").segment().setAtIndex(U16_LE, 0, (short) (Float.floatToIntBits(-3.0f) >>> 16));
            tensors.put("scalar", Tensor.of(arena, new float[]{42f}));
            tensors.put("empty", Tensor.allocate(arena, DType.F32, 0, 5));
            tensors.put("empty_i64", Tensor.allocate(arena, DType.I64, 0));
            SafeTensorsWriter.write(file, tensors, metadata);

            try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
                assertEquals(List.copyOf(tensors.keySet()), f.names());
                assertEquals(metadata, f.metadata());
                assertEquals(List.copyOf(metadata.keySet()), List.copyOf(f.metadata().keySet()));
                for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                    Tensor want = e.getValue(), got = f.tensor(e.getKey());
                    assertEquals(want.dtype(), got.dtype(), e.getKey());
                    assertArrayEquals(want.shape(), got.shape(), e.getKey());
                    assertEquals(want.dtype(), f.info(e.getKey()).dtype());
                    assertArrayEquals(want.shape(), f.info(e.getKey()).shape());
                    assertArrayEquals(want.segment().toArray(ValueLayout.JAVA_BYTE),
                            got.segment().toArray(ValueLayout.JAVA_BYTE),
                            e.getKey() + ": bytes");
                }
                assertArrayEquals(tensors.get("f32").toFloatArray(), f.f32("f32").toFloatArray());
                assertArrayEquals(new boolean[]{true, false, false, true}, f.tensor("bool").toBooleanArray());
                assertArrayEquals(new long[]{-128, 0, 127}, f.tensor("i8").toLongArray());
                assertArrayEquals(new int[]{Integer.MIN_VALUE, -1, Integer.MAX_VALUE}, f.tensor("i32").toIntArray());
                assertArrayEquals(new long[]{Long.MIN_VALUE, 1L << 40}, f.tensor("i64").toLongArray());
                assertArrayEquals(new float[]{-2.5f, 65504f}, f.f32("f16").toFloatArray());
                assertArrayEquals(new float[]{-3f}, f.f32("bf16").toFloatArray());
                assertArrayEquals(new float[]{42f}, f.f32("scalar").toFloatArray());
                assertArrayEquals(new long[0], f.info("scalar").shape());
                assertEquals(0, f.f32("empty").size());
                assertArrayEquals(new long[]{0, 5}, f.f32("empty").shape());
                assertArrayEquals(new long[0], f.tensor("empty_i64").toLongArray());
            }
        }
        // the header is padded so that the data section starts 8-byte aligned
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLength % 8);
    }

    @Test
    void noMetadataAndNoTensorsIsAValidFile() throws IOException {
        Path file = tmp.resolve("empty.safetensors");
        SafeTensorsWriter.write(file, Map.of(), Map.of());
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertEquals(List.of(), f.names());
            assertEquals(Map.of(), f.metadata());
        }
    }

    @Test
    void stridedViewsAreWrittenInLogicalOrder() throws IOException {
        Path file = tmp.resolve("strided.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            float[] values = new float[3 * 4];
            for (int i = 0; i < values.length; i++) {
                values[i] = i;
            }
            Tensor m = Tensor.of(arena, values, 3, 4);
            Tensor transposed = m.transpose(); // [4, 3], strides [1, 4]
            Tensor column = m.slice(1, 1, 3); // [3, 2], strides [4, 1]
            Tensor rowsOfLongs = Tensor.allocate(arena, DType.I64, 4, 2);
            rowsOfLongs.copyFrom(new long[]{0, 1, 2, 3, 4, 5, 6, 7});
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("t", transposed);
            tensors.put("c", column);
            tensors.put("l", rowsOfLongs.transpose());
            SafeTensorsWriter.write(file, tensors, Map.of());
            try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
                assertArrayEquals(transposed.toFloatArray(), f.f32("t").toFloatArray());
                assertArrayEquals(new long[]{4, 3}, f.info("t").shape());
                assertArrayEquals(column.toFloatArray(), f.f32("c").toFloatArray());
                assertArrayEquals(new long[]{0, 2, 4, 6, 1, 3, 5, 7}, f.tensor("l").toLongArray());
            }
        }
    }

    @Test
    void alignedF32IsAZeroCopyViewOfTheMapping() throws IOException {
        Path file = tmp.resolve("aligned.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("mask", Tensor.allocate(arena, DType.BOOL, 4)); // 4 bytes: the next tensor stays 4-aligned
            tensors.put("w", Tensor.of(arena, new float[]{1, 2, 3}, 3));
            SafeTensorsWriter.write(file, tensors, Map.of());
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            Tensor w = f.f32("w");
            assertTrue(w.segment().isMapped(), "aligned F32 is the mapping itself");
            assertTrue(w.segment().isReadOnly());
            assertEquals(f.tensor("w").segment().address(), w.segment().address());
            assertEquals(0, w.segment().address() % 4);
            assertArrayEquals(new float[]{1, 2, 3}, w.toFloatArray());
        }
    }

    @Test
    void misalignedF32IsCopiedOnceAndReadsTheSame() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(13).order(ByteOrder.LITTLE_ENDIAN);
        data.put((byte) 1).putFloat(1.25f).putFloat(-7f).putFloat(Float.MIN_VALUE);
        Path file = Files.write(tmp.resolve("misaligned.safetensors"), SafeTensorsBytes.of(
                "{" + entry("flag", "BOOL", "[1]", 0, 1) + ", " + entry("w", "F32", "[3]", 1, 13) + "}", data.array()));
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertNotEquals(0, f.tensor("w").segment().address() % 4, "the test needs misaligned data");
            assertArrayEquals(new float[]{1.25f, -7f, Float.MIN_VALUE}, f.tensor("w").toFloatArray(),
                    "the raw view reads unaligned");
            Tensor w = f.f32("w");
            assertFalse(w.segment().isMapped(), "misaligned F32 is copied");
            assertEquals(0, w.segment().address() % Tensor.ALIGNMENT);
            assertTrue(w.segment().isReadOnly());
            assertArrayEquals(new float[]{1.25f, -7f, Float.MIN_VALUE}, w.toFloatArray());
            assertSame(w, f.f32("w"), "copied once");
        }
    }

    @Test
    void f16AndBf16WidenExactlyForEveryBitPattern() throws IOException {
        Path file = tmp.resolve("half.safetensors");
        int n = 1 << 16;
        try (Arena arena = Arena.ofConfined()) {
            Tensor f16 = Tensor.allocate(arena, DType.F16, 256, 256);
            Tensor bf16 = Tensor.allocate(arena, DType.BF16, n);
            for (int i = 0; i < n; i++) {
                f16.segment().setAtIndex(U16_LE, i, (short) i);
                bf16.segment().setAtIndex(U16_LE, i, (short) i);
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("flag", Tensor.allocate(arena, DType.BOOL, 1)); // 2-byte data at odd offsets: unaligned reads
            tensors.put("f16", f16);
            tensors.put("bf16", bf16);
            SafeTensorsWriter.write(file, tensors, Map.of());
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            float[] f16 = f.f32("f16").toFloatArray(), bf16 = f.f32("bf16").toFloatArray();
            assertArrayEquals(new long[]{256, 256}, f.f32("f16").shape());
            for (int i = 0; i < n; i++) {
                assertSameFloat(Float.float16ToFloat((short) i), f16[i], "F16 bits " + Integer.toHexString(i));
                assertSameFloat(Float.intBitsToFloat(i << 16), bf16[i], "BF16 bits " + Integer.toHexString(i));
            }
            assertSame(f.f32("f16"), f.f32("f16"), "widened once");
            assertTrue(f.f32("bf16").segment().isReadOnly());
        }
    }

    /** Bit-identical, except that any NaN matches any NaN (payloads need not survive widening). */
    private static void assertSameFloat(float expected, float got, String what) {
        if (Float.isNaN(expected)) {
            assertTrue(Float.isNaN(got), what + ": got " + got);
        } else {
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                    what + ": got " + got + ", expected " + expected);
        }
    }

    @Test
    void everyGoldenFileOpensAndEveryTensorReads() throws IOException {
        List<Path> files = GoldenCases.files("");
        assertTrue(files.size() >= 32, files.size() + " golden files");
        for (Path file : files) {
            try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
                assertFalse(f.names().isEmpty(), file.toString());
                assertEquals(f.metadata().get("case"), file.getFileName().toString().replace(".safetensors", ""));
                for (String name : f.names()) {
                    Tensor t = f.tensor(name);
                    assertEquals(f.info(name).size(), t.size());
                    switch (t.dtype()) {
                        case F32 -> assertEquals(t.size(), f.f32(name).toFloatArray().length);
                        case I64 -> assertEquals(t.size(), t.toLongArray().length);
                        case BOOL -> assertEquals(t.size(), t.toBooleanArray().length);
                        default -> throw new AssertionError(file + ": unexpected dtype " + t.dtype() + " of " + name);
                    }
                }
            }
        }
    }

    @Test
    void aClosedFileAndItsTensorsThrowIllegalState() throws IOException {
        Path file = write("closed.safetensors");
        SafeTensorsFile f = SafeTensorsFile.open(file);
        Tensor w = f.f32("w");
        f.close();
        f.close(); // a second close does nothing
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.tensor("w"));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertThrows(IllegalStateException.class, () -> f.f32("w"));
        assertThrows(IllegalStateException.class, f::names);
        assertThrows(IllegalStateException.class, f::metadata);
        assertThrows(IllegalStateException.class, () -> f.info("w"));
        assertThrows(IllegalStateException.class, w::toFloatArray);
        assertFalse(w.isAlive());
    }

    @Test
    void tensorsOfAFileAreReadOnly() throws IOException {
        try (SafeTensorsFile f = SafeTensorsFile.open(write("ro.safetensors"))) {
            Tensor w = f.f32("w");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.set(0f, 0));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> w.fill(1f));
            assertArrayEquals(new float[]{1, 2}, w.toFloatArray(), "nothing was written");
            Kernels kernels = KernelProvider.kernels(); // kernels read mapped weights directly
            assertEquals(5f, kernels.dot(2, w.segment(), w.offset(), w.segment(), w.offset()));
            assertThrows(IllegalArgumentException.class, () -> kernels.scale(2, 2f, w.segment(), w.offset()));
        }
    }

    @Test
    void wrongNamesAndDTypesAreIllegalArguments() throws IOException {
        try (SafeTensorsFile f = SafeTensorsFile.open(write("names.safetensors"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.tensor("v"));
            assertTrue(e.getMessage().contains("'v'") && e.getMessage().contains("w, n"), e.getMessage());
            assertFalse(f.contains("v"));
            assertTrue(f.contains("n"));
            e = assertThrows(IllegalArgumentException.class, () -> f.f32("n"));
            assertTrue(e.getMessage().contains("'n'") && e.getMessage().contains("I64"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> f.tensor("n").toFloatArray());
        }
    }

    @Test
    void theMetadataNameIsReservedForTheWriter() {
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = Map.of("__metadata__", Tensor.of(arena, new float[]{1}, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> SafeTensorsWriter.write(tmp.resolve("x.safetensors"), tensors, Map.of()));
        }
        assertFalse(Files.exists(tmp.resolve("x.safetensors")));
    }

    @Test
    void aFailedWriteLeavesTheTargetAsItWas() throws IOException {
        Path file = write("target.safetensors");
        byte[] before = Files.readAllBytes(file);
        Arena closed = Arena.ofConfined();
        Tensor dead = Tensor.of(closed, new float[]{9}, 1);
        closed.close();
        assertThrows(IllegalStateException.class, () -> SafeTensorsWriter.write(file, Map.of("d", dead), Map.of()));
        IOException failure = new IOException("disk full");
        assertSame(failure, assertThrows(IOException.class, () -> AtomicFiles.write(file, channel -> {
            channel.write(ByteBuffer.wrap(new byte[100]));
            throw failure;
        })));
        assertArrayEquals(before, Files.readAllBytes(file));
        try (var listing = Files.list(tmp)) {
            assertEquals(List.of(file), listing.toList(), "no temporary file is left behind");
        }
    }

    /** A small file: F32 w = [1, 2] and I64 n = [3]. */
    private Path write(String name) throws IOException {
        Path file = tmp.resolve(name);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("w", Tensor.of(arena, new float[]{1, 2}, 2));
            tensors.put("n", Tensor.allocate(arena, DType.I64, 1));
            tensors.get("n").copyFrom(new long[]{3});
            SafeTensorsWriter.write(file, tensors, Map.of("k", "v"));
        }
        return file;
    }
}
