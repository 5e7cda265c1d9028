package io.attn4j.bench;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class AgreementTest {
    private static final float[] EXPECTED = {1f, -2f, 3f};

    @Test
    void passesWithinTheBoundAndFailsBeyondItOrOnNaN() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actual = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f, -2.001f, 3f);
            assertDoesNotThrow(() -> Agreement.require("impl", EXPECTED, actual, i -> 0.002));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Agreement.require("impl", EXPECTED, actual, i -> 0.0005));
            assertTrue(e.getMessage().contains("impl") && e.getMessage().contains("element 1"), e.getMessage());

            actual.setAtIndex(ValueLayout.JAVA_FLOAT, 2, Float.NaN);
            assertThrows(IllegalStateException.class, () -> Agreement.require("impl", EXPECTED, actual, i -> 1e9));
        }
        assertThrows(IllegalStateException.class, () -> Agreement.require("dot", 1f, 1.5f, 0.25));
        assertDoesNotThrow(() -> Agreement.require("dot", 1f, 1.2f, 0.25));
    }

    @Test
    void normsAreTheEuclideanNormsOfRowsAndColumns() {
        try (Arena arena = Arena.ofConfined()) {
            // [[3, 0], [4, 1]]
            MemorySegment m = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 3f, 0f, 4f, 1f);
            double[] rows = Agreement.rowNorms(m, 2, 2);
            double[] columns = Agreement.columnNorms(m, 2, 2);
            assertEquals(3.0, rows[0], 0);
            assertEquals(Math.sqrt(17), rows[1], 1e-15);
            assertEquals(5.0, columns[0], 0);
            assertEquals(1.0, columns[1], 0);
        }
    }

    @Test
    void shapeParametersNeedTheirRankOfPositiveDimensions() {
        assertEquals(3, SeededSegments.dims("2048x64x2048", 3).length);
        assertThrows(IllegalArgumentException.class, () -> SeededSegments.dims("1024x1024", 3));
        assertThrows(IllegalArgumentException.class, () -> SeededSegments.dims("0x4", 2));
    }
}
