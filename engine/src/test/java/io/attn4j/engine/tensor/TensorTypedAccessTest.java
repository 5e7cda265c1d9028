package io.attn4j.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Integer and BOOL element access, and that each accessor refuses the other dtypes by name. */
class TensorTypedAccessTest {

    @Test
    void integersRoundTripAtEveryWidth() {
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : new DType[]{DType.I8, DType.I32, DType.I64}) {
                long min = type == DType.I8 ? Byte.MIN_VALUE : type == DType.I32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
                long max = type == DType.I8 ? Byte.MAX_VALUE : type == DType.I32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
                Tensor t = Tensor.allocate(arena, type, 2, 2);
                t.copyFrom(new long[]{min, -1, 0, max});
                assertArrayEquals(new long[]{min, -1, 0, max}, t.toLongArray(), type.name());
                assertEquals(max, t.getLong(1, 1));
                t.setLong(5, 0, 1);
                assertArrayEquals(new long[]{min, 0, 5, max}, t.transpose().toLongArray(), type + " transposed");
                assertEquals(type.byteSize() * 4L, t.segment().byteSize());
                assertTrue(t.toString().contains("5"), t.toString());
            }
        }
    }

    @Test
    void valuesThatDoNotFitAreRefusedAndNothingIsWritten() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor i8 = Tensor.allocate(arena, DType.I8, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> i8.copyFrom(new long[]{1, 2, 128}));
            assertTrue(e.getMessage().contains("values[2] = 128") && e.getMessage().contains("I8"), e.getMessage());
            assertArrayEquals(new long[3], i8.toLongArray(), "a rejected copy writes nothing");
            assertThrows(IllegalArgumentException.class, () -> i8.setLong(-129, 0));
            Tensor i32 = Tensor.allocate(arena, DType.I32, 1);
            assertThrows(IllegalArgumentException.class, () -> i32.setLong(1L << 31, 0));
            Tensor i64 = Tensor.allocate(arena, DType.I64, 2);
            i64.copyFrom(new long[]{7, 1L << 31});
            e = assertThrows(IllegalArgumentException.class, i64::toIntArray);
            assertTrue(e.getMessage().contains("2147483648"), e.getMessage());
            i64.setLong(-8, 1);
            assertArrayEquals(new int[]{7, -8}, i64.toIntArray());
            assertThrows(IllegalArgumentException.class, () -> i64.copyFrom(new long[]{1}), "length");
        }
    }

    @Test
    void boolsAreOneByteAndAnyNonZeroByteIsTrue() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor b = Tensor.allocate(arena, DType.BOOL, 2, 3);
            b.copyFrom(new boolean[]{true, false, true, false, false, true});
            assertArrayEquals(new byte[]{1, 0, 1, 0, 0, 1}, b.segment().toArray(ValueLayout.JAVA_BYTE));
            b.segment().set(ValueLayout.JAVA_BYTE, 1, (byte) 0x40);
            assertTrue(b.getBool(0, 1));
            b.setBool(false, 0, 0);
            assertFalse(b.getBool(0, 0));
            assertArrayEquals(new boolean[]{false, false, true, false, true, true}, b.transpose().toBooleanArray());
        }
    }

    @Test
    void eachAccessorRefusesOtherDTypesByName() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor f = Tensor.allocate(arena, DType.F32, 2);
            Tensor i = Tensor.allocate(arena, DType.I64, 2);
            Tensor b = Tensor.allocate(arena, DType.BOOL, 2);
            Tensor h = Tensor.allocate(arena, DType.F16, 2);
            for (Tensor t : new Tensor[]{i, b, h}) {
                refused("F32", t.dtype(), () -> t.get(0));
                refused("F32", t.dtype(), () -> t.set(1f, 0));
                refused("F32", t.dtype(), () -> t.fill(1f));
                refused("F32", t.dtype(), () -> t.copyFrom(new float[2]));
                refused("F32", t.dtype(), t::toFloatArray);
            }
            for (Tensor t : new Tensor[]{f, b, h}) {
                refused("integer", t.dtype(), () -> t.getLong(0));
                refused("integer", t.dtype(), () -> t.setLong(1, 0));
                refused("integer", t.dtype(), () -> t.copyFrom(new long[2]));
                refused("integer", t.dtype(), t::toLongArray);
                refused("integer", t.dtype(), t::toIntArray);
            }
            for (Tensor t : new Tensor[]{f, i, h}) {
                refused("BOOL", t.dtype(), () -> t.getBool(0));
                refused("BOOL", t.dtype(), () -> t.setBool(true, 0));
                refused("BOOL", t.dtype(), () -> t.copyFrom(new boolean[2]));
                refused("BOOL", t.dtype(), t::toBooleanArray);
            }
            assertArrayEquals(new float[2], f.toFloatArray(), "nothing was written");
        }
    }

    private static void refused(String wanted, DType got, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(wanted) && e.getMessage().contains(got.name()), e.getMessage());
    }
}
