package io.attn4j.engine.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Hand-made safetensors content for tests: a header string, space-padded to 8 bytes, and data. */
final class SafeTensorsBytes {
    private SafeTensorsBytes() {
    }

    static byte[] of(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        return b.put(data).array();
    }

    /** One header entry: {@code "name": {"dtype": ..., "shape": ..., "data_offsets": [begin, end]}}. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape + ", \"data_offsets\": [" + begin
                + ", " + end + "]}";
    }
}
