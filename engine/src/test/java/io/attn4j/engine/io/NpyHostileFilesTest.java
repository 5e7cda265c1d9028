package io.attn4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupted {@code .npy} files (from {@link HostileBytes}, starting from numpy's files and ones the
 * writer made) either read into a tensor of exactly the file's data size or are refused with a
 * {@link MalformedFileException} naming the file; nothing else may happen. The same holds for
 * {@link Npy#readAsF32}.
 */
class NpyHostileFilesTest {
    @TempDir
    Path tmp;

    private record Seed(byte[] bytes, HostileBytes.Layout layout) {
    }

    @Test
    void corruptedFilesReadCorrectlyOrAreRefusedAsMalformed() throws IOException {
        List<Seed> seeds = seeds();
        Path file = tmp.resolve("hostile.npy");
        int[] outcome = new int[3]; // read, refused, read as float32
        RandomTrials.run(10_000, rnd -> {
            Seed seed = seeds.get(rnd.nextInt(seeds.size()));
            byte[] bytes = HostileBytes.mutate(seed.bytes(), seed.layout(), rnd);
            Files.write(file, bytes);
            try (Arena arena = Arena.ofConfined()) {
                Tensor t = Npy.read(file, arena);
                assertEquals(t.size() * t.dtype().byteSize(), t.segment().byteSize());
                assertTrue(t.segment().byteSize() < bytes.length,
                        "data of " + t.segment().byteSize() + " bytes from " + bytes.length);
                byte[] data = t.segment().toArray(ValueLayout.JAVA_BYTE);
                byte[] tail = Arrays.copyOfRange(bytes, bytes.length - data.length, bytes.length);
                assertArrayEquals(tail, data, "the data is the end of the file");
                outcome[0]++;
            } catch (MalformedFileException e) {
                assertEquals(file, e.file());
                assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
                outcome[1]++;
            }
            // the converting reader: float32 values, at least 2 bytes of the file each, or refused
            try (Arena arena = Arena.ofConfined()) {
                Tensor f = Npy.readAsF32(file, arena);
                assertEquals(DType.F32, f.dtype());
                assertTrue(f.size() * 2 < bytes.length, f.size() + " values from " + bytes.length + " bytes");
                outcome[2]++;
            } catch (MalformedFileException e) {
                assertEquals(file, e.file());
                assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            }
        });
        int total = outcome[0] + outcome[1];
        assertTrue(outcome[0] >= total / 200 && outcome[1] >= total / 2 && outcome[2] >= total / 200,
                "read " + outcome[0] + ", refused " + outcome[1] + ", read as float32 " + outcome[2]);
    }

    private List<Seed> seeds() throws IOException {
        List<Seed> seeds = new ArrayList<>();
        for (String name : List.of("f32_2x3.npy", "i64_3.npy", "bool_2x2.npy", "f32_scalar.npy",
                "f32_fortran_2x3.npy", "f64_2x5.npy", "f16_3x3_big_endian.npy")) {
            seeds.add(new Seed(Files.readAllBytes(NpyTest.resource(name)), HostileBytes.NPY_V1));
        }
        seeds.add(new Seed(Files.readAllBytes(NpyTest.resource("f32_v2_0x3.npy")), new HostileBytes.Layout(8, 4, 12)));
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : List.of(DType.F16, DType.I8, DType.I32)) {
                Path f = tmp.resolve(type + ".npy");
                Npy.write(f, Tensor.allocate(arena, type, 3, 1));
                seeds.add(new Seed(Files.readAllBytes(f), HostileBytes.NPY_V1));
            }
        }
        return seeds;
    }
}
