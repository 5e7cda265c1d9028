package io.attn4j.engine.io;

import io.attn4j.engine.internal.Json;

import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes tensors to a safetensors file that {@link SafeTensorsFile} (and the format's own readers) read back. */
public final class SafeTensorsWriter {
    private SafeTensorsWriter() {
    }

    /**
     * Writes {@code tensors} (in the map's iteration order, so pass a {@link LinkedHashMap} to
     * choose it) and {@code metadata} to {@code file}: the 8-byte header length, the JSON header
     * padded with spaces to a multiple of 8 bytes (so the data section starts 8-byte aligned),
     * then each tensor's elements back to back, little-endian, row-major. Strided views are
     * written in logical order. The file is written to a temporary file beside it and renamed
     * over it, so a failure leaves {@code file} as it was. Nothing is modified but {@code file}.
     *
     * @param metadata stored as {@code __metadata__}; omitted when empty
     * @throws IllegalArgumentException if a name is {@code __metadata__}
     * @throws IllegalStateException if a tensor's arena is closed
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put(SafeTensorsHeader.METADATA_KEY, new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            if (e.getKey().equals(SafeTensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException(
                        "tensors: the name " + SafeTensorsHeader.METADATA_KEY + " is reserved for metadata");
            }
            if (!t.isAlive()) {
                throw new IllegalStateException("tensors: the arena of '" + e.getKey() + "' is closed");
            }
            long end = offset + TensorBytes.byteSize(t);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype().name());
            entry.put("shape", Arrays.stream(t.shape()).boxed().toList());
            entry.put("data_offsets", List.of(offset, end));
            header.put(e.getKey(), entry);
            offset = end;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        List<Tensor> order = new ArrayList<>(tensors.values());
        AtomicFiles.write(file, channel -> {
            TensorBytes.writeFully(head.flip(), channel);
            for (Tensor t : order) {
                TensorBytes.write(t, channel);
            }
        });
    }
}
