package io.attn4j.engine.golden;

import io.attn4j.engine.io.Json;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One golden case file, read whole: a minimal safetensors reader for the tests (the full,
 * memory-mapped reader belongs to the engine's io package).
 *
 * <p>Layout: an 8-byte little-endian header length {@code N}, {@code N} bytes of JSON mapping each
 * tensor name to {@code {dtype, shape, data_offsets: [begin, end)}} (offsets relative to the end of
 * the header) plus an optional {@code __metadata__} map of strings, then the data, row-major and
 * little-endian. Dtypes read here: F32, BOOL (one byte, 1 = true) and I64.
 */
public final class GoldenCase {
    /** Headers above this size are refused rather than allocated. */
    private static final long MAX_HEADER = 1 << 24;

    /** Where one tensor's bytes are and what they hold. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        /** Number of elements. */
        public long count() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path file;
    private final ByteBuffer data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private GoldenCase(Path file, ByteBuffer data, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    /**
     * Reads and checks {@code file}: header length within the file, every tensor's offsets inside
     * the data, sized exactly for its dtype and shape, and no two tensors overlapping.
     *
     * @throws IOException naming the file (and the tensor) when it is unreadable or malformed
     */
    public static GoldenCase read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 8) {
            throw new IOException(file + ": " + bytes.length + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer all = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = all.getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > bytes.length - 8) {
            throw new IOException(file + ": header length " + headerLength + " does not fit a file of " + bytes.length + " bytes");
        }
        String json = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        Object header;
        try {
            header = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(header instanceof Map<?, ?> map)) {
            throw new IOException(file + ": header is not a JSON object");
        }
        ByteBuffer data = all.slice(8 + (int) headerLength, bytes.length - 8 - (int) headerLength).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> meta)) {
                    throw new IOException(file + ": __metadata__ is not an object");
                }
                meta.forEach((k, v) -> metadata.put((String) k, String.valueOf(v)));
            } else {
                entries.put(name, entry(file, name, e.getValue(), data.capacity()));
            }
        }
        checkNoOverlap(file, entries);
        return new GoldenCase(file, data, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
    }

    private static Entry entry(Path file, String name, Object value, long dataSize) throws IOException {
        String where = file + ": tensor '" + name + "': ";
        if (!(value instanceof Map<?, ?> t) || !(t.get("dtype") instanceof String dtype)
                || !(t.get("shape") instanceof List<?> dims) || !(t.get("data_offsets") instanceof List<?> offsets)
                || offsets.size() != 2) {
            throw new IOException(where + "needs dtype, shape and two data_offsets");
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw new IOException(where + "bad dimension " + dims.get(i));
            }
            shape[i] = d;
        }
        if (!(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)
                || begin < 0 || end < begin || end > dataSize) {
            throw new IOException(where + "data_offsets " + offsets + " outside the " + dataSize + " data bytes");
        }
        Entry entry = new Entry(name, dtype, shape, begin, end);
        int size = elementSize(dtype);
        if (size > 0 && (end - begin) != entry.count() * size) {
            throw new IOException(where + (end - begin) + " bytes for " + dtype + dims + " ("
                    + entry.count() * size + " expected)");
        }
        return entry;
    }

    private static void checkNoOverlap(Path file, Map<String, Entry> entries) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).begin() < sorted.get(i - 1).end()) {
                throw new IOException(file + ": tensors '" + sorted.get(i - 1).name() + "' and '" + sorted.get(i).name() + "' overlap");
            }
        }
    }

    /** Bytes per element of the dtypes this reader decodes; 0 for others (listed, not decoded). */
    private static int elementSize(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "I64" -> 8;
            case "BOOL" -> 1;
            default -> 0;
        };
    }

    public Path file() {
        return file;
    }

    /** The file name without {@code .safetensors}. */
    public String name() {
        return file.getFileName().toString().replaceFirst("\\.safetensors$", "");
    }

    /** {@code __metadata__}: all values are strings. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor entries in header order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    public long[] shape(String name) {
        return entry(name, null).shape().clone();
    }

    /** An F32 tensor's values in row-major order. */
    public float[] f32(String name) {
        Entry e = entry(name, "F32");
        float[] out = new float[(int) e.count()];
        data.slice((int) e.begin(), (int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /** An F32 tensor copied into a new off-heap {@link Tensor} of its shape. */
    public Tensor f32(Arena arena, String name) {
        return Tensor.of(arena, f32(name), shape(name));
    }

    /** A BOOL tensor's values in row-major order (any non-zero byte is true). */
    public boolean[] bool(String name) {
        Entry e = entry(name, "BOOL");
        boolean[] out = new boolean[(int) e.count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.get((int) e.begin() + i) != 0;
        }
        return out;
    }

    /** An I64 tensor's values in row-major order. */
    public long[] i64(String name) {
        Entry e = entry(name, "I64");
        long[] out = new long[(int) e.count()];
        data.slice((int) e.begin(), (int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    private Entry entry(String name, String dtype) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(file + ": no tensor '" + name + "' (has " + entries.keySet() + ")");
        }
        if (dtype != null && !e.dtype().equals(dtype)) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' is " + e.dtype() + ", not " + dtype);
        }
        return e;
    }

    @Override
    public String toString() {
        return name();
    }
}
