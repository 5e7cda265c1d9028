package io.attn4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example classifier's sample files ({@code examples/classifier}, written by its
 * {@code make_example.py}) as the bench tests read them: {@code inputs.npy} float32 (B, T, 32),
 * {@code lengths.npy} int64 (B,), {@code expected.npy} float32 (B, 1), the model's output computed
 * in float64 by the script.
 */
final class ExampleClassifier {
    /** The example's directory, from the bench module's directory (surefire's working directory). */
    static final Path DIR = Path.of("..", "examples", "classifier");

    private static final Pattern HEADER = Pattern.compile(
            "\\{'descr': '([<|][a-z]\\d)', 'fortran_order': False, 'shape': \\(([\\d, ]*)\\), \\}\\s*");

    /** One array of an {@code .npy} file: its shape, and its data in little-endian order. */
    record Npy(long[] shape, ByteBuffer data) {
        float[] floats() {
            float[] out = new float[data.remaining() / Float.BYTES];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }

        long[] longs() {
            long[] out = new long[data.remaining() / Long.BYTES];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
            return out;
        }
    }

    private ExampleClassifier() {
    }

    /**
     * Reads {@code DIR/name}, an NPY version 1 file in C order whose dtype is {@code descr}
     * ({@code "<f4"} or {@code "<i8"}): only what make_example.py writes.
     */
    static Npy read(String name, String descr) throws IOException {
        Path file = DIR.resolve(name);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.get(0) != (byte) 0x93 || bytes.get(6) != 1) {
            throw new IOException(file + ": not an NPY version 1 file");
        }
        int headerLength = Short.toUnsignedInt(bytes.getShort(8));
        String header = new String(bytes.array(), 10, headerLength, StandardCharsets.US_ASCII);
        Matcher m = HEADER.matcher(header);
        if (!m.matches() || !m.group(1).equals(descr)) {
            throw new IOException(file + ": header " + header.strip() + " is not a C-order " + descr + " array");
        }
        long[] shape = Arrays.stream(m.group(2).split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        int itemSize = Integer.parseInt(descr.substring(2));
        int start = 10 + headerLength;
        if (bytes.capacity() - start != count * itemSize) {
            throw new IOException(file + ": " + (bytes.capacity() - start) + " data bytes for shape " + Arrays.toString(shape));
        }
        return new Npy(shape, bytes.slice(start, bytes.capacity() - start));
    }
}
