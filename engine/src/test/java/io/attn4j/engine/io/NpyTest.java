package io.attn4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Npy} against files numpy wrote (src/test/resources/npy, made by make_npy.py there): it
 * reads them, and writes the same arrays byte for byte as numpy does.
 */
class NpyTest {
    @TempDir
    Path tmp;

    static Path resource(String name) {
        try {
            return Path.of(NpyTest.class.getResource("/npy/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void readsWhatNumpyWrote() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor f = Npy.read(resource("f32_2x3.npy"), arena);
            assertEquals(DType.F32, f.dtype());
            assertArrayEquals(new long[]{2, 3}, f.shape());
            assertArrayEquals(
                    new float[]{1.5f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e-42f, Float.NaN},
                    f.toFloatArray());
            Tensor i = Npy.read(resource("i64_3.npy"), arena);
            assertEquals(DType.I64, i.dtype());
            assertArrayEquals(new long[]{Long.MIN_VALUE, 0, 1L << 40}, i.toLongArray());
            Tensor b = Npy.read(resource("bool_2x2.npy"), arena);
            assertEquals(DType.BOOL, b.dtype());
            assertArrayEquals(new boolean[]{true, false, false, true}, b.toBooleanArray());
            Tensor s = Npy.read(resource("f32_scalar.npy"), arena);
            assertArrayEquals(new long[0], s.shape());
            assertArrayEquals(new float[]{3.5f}, s.toFloatArray());
            Tensor e = Npy.read(resource("f32_v2_0x3.npy"), arena);
            assertArrayEquals(new long[]{0, 3}, e.shape());
            f.set(2f, 0, 0); // what the reader returns belongs to the caller: writable
            assertEquals(2f, f.get(0, 0));
        }
    }

    @Test
    void fortranOrderIsRefused() {
        MalformedFileException e = assertThrows(MalformedFileException.class,
                () -> read(resource("f32_fortran_2x3.npy")));
        assertTrue(e.getMessage().contains("fortran_order is True"), e.getMessage());
    }

    @Test
    void writesTheBytesNumpyWrites() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor f = Tensor.of(arena,
                    new float[]{1.5f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e-42f, Float.NaN}, 2, 3);
            Tensor i = Tensor.allocate(arena, DType.I64, 3);
            i.copyFrom(new long[]{Long.MIN_VALUE, 0, 1L << 40});
            Tensor b = Tensor.allocate(arena, DType.BOOL, 2, 2);
            b.copyFrom(new boolean[]{true, false, false, true});
            Tensor s = Tensor.of(arena, new float[]{3.5f});
            sameAsNumpy("f32_2x3.npy", f);
            sameAsNumpy("i64_3.npy", i);
            sameAsNumpy("bool_2x2.npy", b);
            sameAsNumpy("f32_scalar.npy", s);
        }
    }

    private void sameAsNumpy(String name, Tensor t) throws IOException {
        Path mine = tmp.resolve(name);
        Npy.write(mine, t);
        assertArrayEquals(Files.readAllBytes(resource(name)), Files.readAllBytes(mine), name);
    }

    @Test
    void everyNumpyDTypeStridedViewsAndEmptyArraysRoundTrip() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor f32 = Tensor.of(arena, new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor f16 = Tensor.allocate(arena, DType.F16, 3);
            f16.segment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 2, Float.floatToFloat16(-0.5f));
            Tensor i8 = Tensor.allocate(arena, DType.I8, 2);
            i8.copyFrom(new long[]{-128, 127});
            Tensor i32 = Tensor.allocate(arena, DType.I32, 2);
            i32.copyFrom(new long[]{Integer.MIN_VALUE, 9});
            for (Tensor t : List.of(f32, f32.transpose(), f32.slice(1, 1, 3), f16, i8, i32,
                    Tensor.allocate(arena, DType.I64, 4, 0))) {
                Path file = tmp.resolve("t.npy");
                Npy.write(file, t);
                assertEquals(0, (10 + headerLength(file)) % 64, "the data starts 64-byte aligned");
                Tensor back = Npy.read(file, arena);
                assertEquals(t.dtype(), back.dtype());
                assertArrayEquals(t.shape(), back.shape());
                if (t.dtype() == DType.F32) {
                    assertArrayEquals(t.toFloatArray(), back.toFloatArray());
                } else {
                    assertArrayEquals(t.segment().toArray(ValueLayout.JAVA_BYTE),
                            back.segment().toArray(ValueLayout.JAVA_BYTE));
                }
            }
        }
    }

    @Test
    void aHeaderTooLongForVersion1IsWrittenAsVersion2() throws IOException {
        long[] shape = new long[23_000]; // "1, " per dimension: over 65535 header bytes
        Arrays.fill(shape, 1);
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.of(arena, new float[]{4f}, shape);
            Path file = tmp.resolve("v2.npy");
            Npy.write(file, t);
            byte[] bytes = Files.readAllBytes(file);
            assertEquals(2, bytes[6]);
            assertEquals(0, (12 + ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()) % 64);
            Tensor back = Npy.read(file, arena);
            assertEquals(23_000, back.rank());
            assertArrayEquals(new float[]{4f}, back.toFloatArray());
        }
    }

    @Test
    void bf16HasNoNumpyTypeAndAFailedWriteLeavesTheTarget() throws IOException {
        Path file = tmp.resolve("keep.npy");
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(file, Tensor.of(arena, new float[]{1}, 1));
            byte[] before = Files.readAllBytes(file);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Npy.write(file, Tensor.allocate(arena, DType.BF16, 2)));
            assertTrue(e.getMessage().contains("BF16"), e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(file));
        }
        try (var listing = Files.list(tmp)) {
            assertEquals(List.of(file), listing.toList());
        }
    }

    private static int headerLength(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        return (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
    }

    private Tensor read(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return Npy.read(file, arena);
        }
    }

    /** A version 1.0 file with header {@code dict} (space padded, newline) and {@code data}. */
    static byte[] npy(String dict, byte[] data) {
        byte[] text = (dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n").getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(10 + text.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) text.length).put(text)
                .put(data).array();
    }

    private int count;

    private void refused(byte[] content, String mentions) throws IOException {
        Path file = Files.write(tmp.resolve("bad" + count++ + ".npy"), content);
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> read(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(mentions), e.getMessage());
    }

    @Test
    void malformedFilesAreRefusedNamingTheFile() throws IOException {
        byte[] eight = new byte[8];
        refused(new byte[0], "not an .npy file");
        refused("\u0093NUMPX\u0001\u0000\u0000\u0000".getBytes(StandardCharsets.ISO_8859_1), "not an .npy file");
        byte[] v4 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", eight);
        v4[6] = 4;
        refused(v4, "unsupported .npy version 4.0");
        byte[] tooLong = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", eight);
        tooLong[8] = (byte) 0xFF;
        tooLong[9] = (byte) 0xFF;
        refused(tooLong, "header length 65535 does not fit");
        refused(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", eight), "unsupported descr '>f4'");
        refused(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", eight), "unsupported descr '<f8'");
        refused(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", eight), "unexpected value");
        refused(npy("{'descr': '<f4', 'shape': (2,), }", eight), "header keys");
        refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': True}", eight), "header keys");
        refused(npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", eight),
                "duplicate key 'descr'");
        refused(npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", eight), "unexpected value");
        refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", eight), "not a tuple");
        refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", eight), "non-negative integer");
        refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,,), }", eight), "non-negative integer");
        refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", eight),
                "at most 19 digits");
        refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775808,), }", eight),
                "out of range");
        refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", eight),
                "overflows");
        refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", eight), "data holds 8 bytes");
        refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", eight), "needs 4");
        refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", eight), "trailing characters");
        refused(npy("{'descr': '<f4\\x', 'fortran_order': False, 'shape': (2,), }", eight), "escapes");
        refused(npy("{'descr: '<f4', 'fortran_order': False, 'shape': (2,), }", eight), "expected ':'");
    }

    @Test
    void doubleQuotesAndVersion3Utf8HeadersAreRead() throws IOException {
        byte[] v3 = npy("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1,)}",
                new byte[]{0, 0, (byte) 0x80, 0x3f});
        ByteBuffer b = ByteBuffer.allocate(v3.length + 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put(v3, 0, 6).put((byte) 3).put((byte) 0).putInt(v3[8] & 0xFF | (v3[9] & 0xFF) << 8).put(v3, 10,
                v3.length - 10);
        Path file = Files.write(tmp.resolve("v3.npy"), b.array());
        try (Arena arena = Arena.ofConfined()) {
            assertArrayEquals(new float[]{1f}, Npy.read(file, arena).toFloatArray());
        }
    }
}
