package io.attn4j.engine.io;

import static io.attn4j.engine.io.SafeTensorsBytes.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way a safetensors file can be malformed, refused at open with the file and the tensor named. */
class SafeTensorsMalformedTest {
    private static final byte[] EIGHT = new byte[8];

    @TempDir
    Path tmp;
    private int count;

    private void refused(byte[] content, String tensor, String mentions) throws IOException {
        Path file = Files.write(tmp.resolve("bad" + count++ + ".safetensors"), content);
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> SafeTensorsFile.open(file).close());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(mentions), e.getMessage());
        assertEquals(file, e.file());
        assertEquals(Optional.ofNullable(tensor), e.tensor(), e.getMessage());
        if (tensor != null) {
            assertTrue(e.getMessage().contains("'" + tensor + "'"), e.getMessage());
        }
    }

    private void refused(String header, byte[] data, String tensor, String mentions) throws IOException {
        refused(SafeTensorsBytes.of(header, data), tensor, mentions);
    }

    private static byte[] lengthThen(long headerLength, int extra) {
        return ByteBuffer.allocate(8 + extra).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array();
    }

    @Test
    void fileAndHeaderLevelProblems() throws IOException {
        refused(new byte[0], null, "shorter than the 8-byte");
        refused(new byte[]{1, 2, 3}, null, "shorter than the 8-byte");
        refused(lengthThen(Long.MAX_VALUE, 8), null, "header length " + Long.MAX_VALUE);
        refused(lengthThen(-1, 8), null, "header length 18446744073709551615");
        refused(lengthThen(SafeTensorsHeader.MAX_HEADER_BYTES + 1, 8), null, "header length");
        refused(lengthThen(9, 8), null, "does not fit a file of 16 bytes");
        refused(lengthThen(0, 0), null, "does not start with '{'");
        refused(" {}", new byte[0], null, "does not start with '{'");
        refused("{\"w\": ", new byte[0], null, "not valid JSON");
        refused("[1, 2]", new byte[0], null, "does not start with '{'");
        refused("{} x", new byte[0], null, "not valid JSON");
        byte[] badUtf8 = SafeTensorsBytes.of("{\"__metadata__\": {\"k\": \"xx\"}}", new byte[0]);
        badUtf8[8 + 23] = (byte) 0xC3; // a lead byte followed by '"' is not UTF-8
        refused(badUtf8, null, "UTF-8");
        refused("{" + entry("w", "F32", "[2]", 0, 8) + ", " + entry("w", "F32", "[2]", 8, 16) + "}", new byte[16], null,
                "duplicate key \"w\"");
        refused("{\"__metadata__\": {\"k\": 1}}", new byte[0], null, "__metadata__ entry 'k' is not a string");
        refused("{\"__metadata__\": [\"k\"]}", new byte[0], null, "__metadata__ is not a JSON object");
        refused("{" + entry("w", "F32", "[2]", 0, 8) + "}", new byte[12], null,
                "cover 8 bytes of a 12-byte data section");
    }

    @Test
    void tensorLevelProblems() throws IOException {
        refused("{\"w\": [1]}", EIGHT, "w", "needs a dtype");
        refused("{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", EIGHT, "w", "needs a dtype");
        refused("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}", EIGHT, "w", "two data_offsets");
        refused("{" + entry("w", "F64", "[1]", 0, 8) + "}", EIGHT, "w", "unsupported dtype F64");
        refused("{" + entry("w", "U8", "[8]", 0, 8) + "}", EIGHT, "w", "unsupported dtype U8");
        refused("{" + entry("w", "f32", "[2]", 0, 8) + "}", EIGHT, "w", "unsupported dtype f32");
        refused("{" + entry("w", "F32", "[-2]", 0, 8) + "}", EIGHT, "w", "bad dimension -2");
        refused("{" + entry("w", "F32", "[2.0]", 0, 8) + "}", EIGHT, "w", "bad dimension 2.0");
        refused("{" + entry("w", "F32", "[1099511627776, 1099511627776]", 0, 8) + "}", EIGHT, "w", "overflows");
        refused("{" + entry("w", "F32", "[4611686018427387904]", 0, 8) + "}", EIGHT, "w", "overflows");
        refused("{" + entry("w", "F32", "[3]", 0, 12) + "}", EIGHT, "w", "not inside the 8-byte data section");
        refused("{" + entry("w", "F32", "[1099511627776]", 0, 4398046511104L) + "}", EIGHT, "w", "not inside");
        refused("{" + entry("w", "F32", "[0]", 8, 4) + "}", EIGHT, "w", "not inside");
        refused("{" + entry("w", "F32", "[1]", -4, 0) + "}", EIGHT, "w", "not inside");
        refused("{" + entry("w", "F32", "[3]", 0, 8) + "}", EIGHT, "w", "needs 12");
        refused("{" + entry("w", "I64", "[2]", 0, 8) + "}", EIGHT, "w", "needs 16");
        refused("{" + entry("a", "F32", "[2]", 0, 8) + ", " + entry("b", "F32", "[1]", 4, 8) + "}", EIGHT, "b",
                "overlaps tensor 'a'");
        refused("{" + entry("a", "F32", "[1]", 0, 4) + ", " + entry("b", "F32", "[1]", 8, 12) + "}", new byte[12], "b",
                "hole");
        refused("{" + entry("a", "F32", "[1]", 4, 8) + "}", EIGHT, "a", "hole");
    }
}
