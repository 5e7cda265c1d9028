package io.attn4j.engine.golden;

import io.attn4j.engine.io.SafeTensorsFile;
import io.attn4j.engine.io.TensorInfo;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One golden case file, read whole into Java arrays through the project's own safetensors reader
 * ({@link SafeTensorsFile}, which checks the header, offsets and sizes at open), then closed.
 *
 * <p>Dtypes decoded: F32 ({@link #f32}), BOOL ({@link #bool}) and I64 ({@link #i64}); the cases
 * hold no others.
 */
public final class GoldenCase {
    /** Where one tensor's bytes are (offsets into the data section) and what they hold. */
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
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    /** Decoded values by name: float[] for F32, boolean[] for BOOL, long[] for I64. */
    private final Map<String, Object> values;

    private GoldenCase(Path file, Map<String, Entry> entries, Map<String, String> metadata,
            Map<String, Object> values) {
        this.file = file;
        this.entries = entries;
        this.metadata = metadata;
        this.values = values;
    }

    /**
     * Reads {@code file} with {@link SafeTensorsFile} and decodes every tensor.
     *
     * @throws IOException naming the file (and the tensor) when it is unreadable or malformed
     */
    public static GoldenCase read(Path file) throws IOException {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, Object> values = new HashMap<>();
            for (String name : f.names()) {
                TensorInfo info = f.info(name);
                entries.put(name, new Entry(name, info.dtype().name(), info.shape(), info.byteOffset(),
                        info.byteOffset() + info.byteSize()));
                switch (info.dtype()) {
                    case F32 -> values.put(name, f.f32(name).toFloatArray());
                    case BOOL -> values.put(name, f.tensor(name).toBooleanArray());
                    case I64 -> values.put(name, f.tensor(name).toLongArray());
                    default -> {
                    } // listed in entries(), not decoded
                }
            }
            return new GoldenCase(file, Collections.unmodifiableMap(entries), f.metadata(), values);
        }
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

    /** An F32 tensor's values in row-major order (a new array). */
    public float[] f32(String name) {
        entry(name, "F32");
        return ((float[]) values.get(name)).clone();
    }

    /** An F32 tensor copied into a new off-heap {@link Tensor} of its shape. */
    public Tensor f32(Arena arena, String name) {
        return Tensor.of(arena, f32(name), shape(name));
    }

    /** A BOOL tensor's values in row-major order (any non-zero byte is true; a new array). */
    public boolean[] bool(String name) {
        entry(name, "BOOL");
        return ((boolean[]) values.get(name)).clone();
    }

    /** An I64 tensor's values in row-major order (a new array). */
    public long[] i64(String name) {
        entry(name, "I64");
        return ((long[]) values.get(name)).clone();
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
