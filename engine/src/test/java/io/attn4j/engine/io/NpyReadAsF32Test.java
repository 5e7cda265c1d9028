package io.attn4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Npy#readAsF32}: float64, float16 and big-endian files numpy wrote (make_npy.py) read as
 * float32 bit for bit as numpy's own {@code astype(np.float32)}, shapes of any rank and size, and
 * what is refused.
 */
class NpyReadAsF32Test {
    @TempDir
    Path tmp;

    @Test
    void convertsAsNumpyDoesBitForBit() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            // float64: NaN, +-inf, -0.0, 0.1 and two halfway cases rounded to even, a float32
            // subnormal, an underflow to 0, float32's largest value
            Tensor f64 = Npy.read(NpyTest.resource("f64_2x5_as_f32.npy"), arena);
            for (String name : List.of("f64_2x5.npy", "f64_2x5_big_endian.npy", "f32_2x5_big_endian.npy")) {
                sameBits(f64, Npy.readAsF32(NpyTest.resource(name), arena), name);
            }
            Tensor f16 = Npy.read(NpyTest.resource("f16_3x3_as_f32.npy"), arena);
            for (String name : List.of("f16_3x3.npy", "f16_3x3_big_endian.npy")) {
                sameBits(f16, Npy.readAsF32(NpyTest.resource(name), arena), name);
            }
            Tensor f32 = Npy.read(NpyTest.resource("f32_2x3.npy"), arena);
            sameBits(f32, Npy.readAsF32(NpyTest.resource("f32_2x3.npy"), arena), "f32_2x3.npy");
            // the halfway cases, spelled out: 1 + 2^-24 -> 1 (even), 1 + 3 * 2^-24 -> 1 + 2^-22 (even)
            assertEquals(1f, f64.get(1, 0));
            assertEquals(1f + 0x1p-22f, f64.get(1, 1));
        }
    }

    private static void sameBits(Tensor expected, Tensor got, String name) {
        assertEquals(DType.F32, got.dtype(), name);
        assertArrayEquals(expected.shape(), got.shape(), name);
        float[] e = expected.toFloatArray(), g = got.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            // NaN payloads need not survive; every other value is bit-exact, -0.0 included
            boolean same = Float.isNaN(e[i])
                    ? Float.isNaN(g[i])
                    : Float.floatToRawIntBits(e[i]) == Float.floatToRawIntBits(g[i]);
            assertTrue(same, name + "[" + i + "]: expected " + e[i] + ", got " + g[i]);
        }
    }

    @Test
    void anyShapeAndSizeReadsEveryValueRoundedToNearest() throws IOException {
        Path file = tmp.resolve("random.npy");
        RandomTrials.run(30, rnd -> {
            long[] shape = new long[rnd.nextInt(4)];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = rnd.nextInt(7);
            }
            if (rnd.nextInt(10) == 0) {
                shape = new long[]{300_007}; // more than one 1 MiB chunk of float64
            }
            long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            boolean bigEndian = rnd.nextBoolean();
            double[] values = new double[(int) n];
            ByteBuffer data = ByteBuffer.allocate(values.length * 8)
                    .order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; i++) {
                values[i] = (rnd.nextDouble() - 0.5) * Math.scalb(1.0, rnd.nextInt(-150, 128));
                data.putDouble(values[i]);
            }
            Files.write(file, NpyTest.npy(NpyHeader.format(DType.F32, shape).replace("<f4", bigEndian ? ">f8" : "<f8"),
                    data.array()));
            try (Arena arena = Arena.ofConfined()) {
                Tensor t = Npy.readAsF32(file, arena);
                assertArrayEquals(shape, t.shape());
                float[] got = t.toFloatArray();
                for (int i = 0; i < values.length; i++) {
                    // Java's narrowing is IEEE 754 round to nearest even, numpy's astype too
                    assertEquals(Float.floatToRawIntBits((float) values[i]), Float.floatToRawIntBits(got[i]),
                            "value " + i + ": " + values[i]);
                }
            }
        });
    }

    @Test
    void aFloat64BeyondFloat32sRangeIsRefusedNamingItsIndex() {
        Path file = NpyTest.resource("f64_out_of_range.npy");
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> readAsF32(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("-1.0E39 at [1]")
                && e.getMessage().contains("beyond float32's range"), e.getMessage());
    }

    @Test
    void nonFloatFilesAreRefusedAndReadKeepsTheStoredTypeOnly() throws IOException {
        MalformedFileException e = assertThrows(MalformedFileException.class,
                () -> readAsF32(NpyTest.resource("i64_3.npy")));
        assertTrue(e.getMessage().contains("'<i8' is not a float type"), e.getMessage());
        MalformedFileException stored = assertThrows(MalformedFileException.class,
                () -> readAs(NpyTest.resource("f64_2x5.npy")));
        assertTrue(stored.getMessage().contains("unsupported descr '<f8'")
                && stored.getMessage().contains("Npy.readAsF32"), stored.getMessage());
        Path complex = Files.write(tmp.resolve("c8.npy"),
                NpyTest.npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8]));
        MalformedFileException c = assertThrows(MalformedFileException.class, () -> readAsF32(complex));
        assertTrue(c.getMessage().contains("unsupported descr '<c8'"), c.getMessage());
        Path shortData = Files.write(tmp.resolve("short.npy"),
                NpyTest.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", new byte[12]));
        MalformedFileException s = assertThrows(MalformedFileException.class, () -> readAsF32(shortData));
        assertTrue(s.getMessage().contains("data holds 12 bytes") && s.getMessage().contains("needs 16"),
                s.getMessage());
    }

    private static void readAsF32(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Npy.readAsF32(file, arena);
        }
    }

    private static void readAs(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Npy.read(file, arena);
        }
    }
}
