package io.attn4j.engine.io;

import io.attn4j.engine.internal.Json;

import io.attn4j.engine.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a safetensors file, read and checked in full against the file's size.
 *
 * <p>Format: an unsigned little-endian 64-bit length {@code N}, {@code N} bytes of UTF-8 JSON that
 * start with '{' (space padding allowed), then the data section. The JSON maps each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end)}} (offsets relative to the data section)
 * and may hold a {@code "__metadata__"} object of strings. The format requires the tensors to
 * cover the data section back to back, with no holes (a file cannot hide other content), so every
 * byte of the data section belongs to exactly one tensor.
 *
 * @param tensors in header order
 * @param dataStart file offset of the data section: {@code 8 + N}
 */
record SafeTensorsHeader(List<TensorInfo> tensors, Map<String, String> metadata, long dataStart) {
    /** Headers above this are refused before anything is read, as the format's own reader does. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    static final String METADATA_KEY = "__metadata__";

    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Reads the header at the start of {@code mapping} (the whole file, {@code mapping.byteSize()}
     * bytes) and checks every entry.
     *
     * @throws MalformedFileException naming {@code file} and, for a bad entry, the tensor
     */
    static SafeTensorsHeader read(Path file, MemorySegment mapping) throws MalformedFileException {
        long fileSize = mapping.byteSize();
        if (fileSize < 8) {
            throw new MalformedFileException(file, fileSize + " bytes, shorter than the 8-byte header length");
        }
        long headerLength = mapping.get(U64_LE, 0); // unsigned: above 2^63 it reads negative
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES || headerLength > fileSize - 8) {
            throw new MalformedFileException(file, "header length " + Long.toUnsignedString(headerLength)
                    + " does not fit a file of " + fileSize + " bytes (limit " + MAX_HEADER_BYTES + ")");
        }
        byte[] bytes = mapping.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        if (bytes.length == 0 || bytes[0] != '{') {
            throw new MalformedFileException(file, "header does not start with '{'");
        }
        Object json;
        try {
            json = Json.parse(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            throw new MalformedFileException(file, null, "header is not valid UTF-8", e);
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(file, null, "header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(json instanceof Map<?, ?> root)) {
            throw new MalformedFileException(file, "header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataSize = fileSize - dataStart;
        Map<String, String> metadata = Map.of();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<?, ?> e : root.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = metadata(file, e.getValue());
            } else {
                tensors.add(entry(file, name, e.getValue(), dataSize));
            }
        }
        checkCoverage(file, tensors, dataSize);
        return new SafeTensorsHeader(Collections.unmodifiableList(tensors), metadata, dataStart);
    }

    private static Map<String, String> metadata(Path file, Object value) throws MalformedFileException {
        if (!(value instanceof Map<?, ?> map)) {
            throw new MalformedFileException(file, METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new MalformedFileException(file, METADATA_KEY + " entry '" + e.getKey() + "' is not a string");
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo entry(Path file, String name, Object value, long dataSize) throws MalformedFileException {
        if (!(value instanceof Map<?, ?> t) || !(t.get("dtype") instanceof String dtypeName)
                || !(t.get("shape") instanceof List<?> dims) || !(t.get("data_offsets") instanceof List<?> offsets)
                || offsets.size() != 2) {
            throw malformed(file, name, "needs a dtype string, a shape list and two data_offsets");
        }
        DType dtype = dtype(dtypeName);
        if (dtype == null) {
            throw malformed(file, name, "unsupported dtype " + dtypeName);
        }
        long[] shape = new long[dims.size()];
        long bytes = dtype.byteSize();
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw malformed(file, name, "bad dimension " + dims.get(i) + " in shape " + dims);
            }
            shape[i] = d;
            try {
                bytes = Math.multiplyExact(bytes, d);
            } catch (ArithmeticException overflow) {
                throw malformed(file, name,
                        "shape " + dims + " of " + dtype + " is too large: its byte size overflows");
            }
        }
        if (!(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)
                || begin < 0 || end < begin || end > dataSize) {
            throw malformed(file, name,
                    "data_offsets " + offsets + " are not inside the " + dataSize + "-byte data section");
        }
        if (end - begin != bytes) {
            throw malformed(file, name, "data_offsets " + offsets + " hold " + (end - begin) + " bytes, but "
                    + dtype + Arrays.toString(shape) + " needs " + bytes);
        }
        return new TensorInfo(name, dtype, shape, begin, bytes);
    }

    /** Tensors sorted by offset must tile the data section exactly: no overlap, no hole, nothing after. */
    private static void checkCoverage(Path file, List<TensorInfo> tensors, long dataSize)
            throws MalformedFileException {
        List<TensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(TensorInfo::byteOffset).thenComparingLong(TensorInfo::byteSize));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.byteOffset() < covered) {
                throw malformed(file, t.name(), "overlaps tensor '" + previous.name() + "' (bytes " + t.byteOffset()
                        + " < " + covered + ")");
            }
            if (t.byteOffset() > covered) {
                throw malformed(file, t.name(),
                        "starts at byte " + t.byteOffset() + " of the data section, leaving a hole after byte "
                                + covered + " (the format forbids holes)");
            }
            covered = t.byteOffset() + t.byteSize();
            previous = t;
        }
        if (covered != dataSize) {
            throw new MalformedFileException(file, "the tensors cover " + covered + " bytes of a "
                    + dataSize + "-byte data section (truncated header or trailing bytes)");
        }
    }

    /** The dtype a safetensors dtype string names, or null for one this project does not read (U8, F64, ...). */
    static DType dtype(String name) {
        return switch (name) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            case "BOOL" -> DType.BOOL;
            case "I8" -> DType.I8;
            case "I32" -> DType.I32;
            case "I64" -> DType.I64;
            default -> null;
        };
    }

    private static MalformedFileException malformed(Path file, String tensor, String problem) {
        return new MalformedFileException(file, tensor, problem, null);
    }
}
