package io.attn4j.engine.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Corrupts valid files the way a hostile or damaged file would be: truncations, bit flips in the
 * header and its length field, absurd lengths, edited numbers (offsets, dimensions), swapped
 * strings (dtypes, names), huge shapes, random bytes, inserted and deleted ranges. Works on any
 * format that is a little-endian length field followed by a text header, then data.
 */
final class HostileBytes {
    /**
     * Where a format keeps its header: the length field at {@code lengthAt}, {@code lengthBytes}
     * wide (little-endian, unsigned), and the header text from {@code headerAt}.
     */
    record Layout(int lengthAt, int lengthBytes, int headerAt) {
        long headerLength(byte[] b) {
            long n = 0;
            for (int i = lengthBytes - 1; i >= 0; i--) {
                n = (n << 8) | (lengthAt + i < b.length ? b[lengthAt + i] & 0xFF : 0);
            }
            return n;
        }

        void setHeaderLength(byte[] b, long n) {
            for (int i = 0; i < lengthBytes && lengthAt + i < b.length; i++) {
                b[lengthAt + i] = (byte) (n >>> (8 * i));
            }
        }
    }

    static final Layout SAFETENSORS = new Layout(0, 8, 8);
    static final Layout NPY_V1 = new Layout(8, 2, 10);

    private static final String[] NUMBERS = {"0", "1", "-1", "2", "3", "4", "7", "8", "9", "16", "255", "65536",
            "2147483648", "4294967296", "1099511627776", "4611686018427387904", "9223372036854775807",
            "9223372036854775808", "-9223372036854775808", "1e3", "2.5", "00", "-0"};
    private static final String[] STRINGS = {"F32", "F16", "BF16", "BOOL", "I8", "I32", "I64", "U8", "F64", "U64",
            "F8_E4M3", "", "__metadata__", "dtype", "shape", "data_offsets", "<f4", "<i8", "|b1", ">f4", "<f8", "|u1",
            "<i4", "<f2", "descr", "fortran_order", "w", "\u00e9\u00e9\u00e9"};
    private static final String[] HUGE_SHAPES = {"1099511627776, 1099511627776", "4611686018427387904, 4",
            "9223372036854775807", "1, 0, 9223372036854775807", "0, 9223372036854775807, 9223372036854775807", "",
            "-1"};
    private static final Pattern DIGITS = Pattern.compile("-?\\d+");
    private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"|'[^']*'");
    private static final Pattern GROUP = Pattern.compile("\\[[^\\[\\]]*\\]|\\([^()]*\\)");

    private HostileBytes() {
    }

    /** {@code valid} with one to three corruptions applied; {@code valid} itself is not modified. */
    static byte[] mutate(byte[] valid, Layout layout, SplittableRandom rnd) {
        byte[] b = valid.clone();
        int rounds = 1 + rnd.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            b = mutateOnce(b, layout, rnd);
        }
        return b;
    }

    private static byte[] mutateOnce(byte[] b, Layout layout, SplittableRandom rnd) {
        int headerEnd = headerEnd(b, layout);
        return switch (rnd.nextInt(12)) {
            case 0 -> Arrays.copyOf(b, truncatedLength(b, layout, headerEnd, rnd));
            case 1 -> flipBits(b, layout.headerAt(), headerEnd, rnd);
            case 2 -> flipBits(b, layout.lengthAt(), Math.min(b.length, layout.lengthAt() + layout.lengthBytes()), rnd);
            case 3 -> {
                long n = layout.headerLength(b);
                long[] lengths = {Long.MAX_VALUE, -1, 0, 1, n - 1, n + 1, n + 8, b.length, b.length - layout.headerAt(),
                        1L << 40, 100L << 20, (100L << 20) + 1, rnd.nextLong()};
                layout.setHeaderLength(b, lengths[rnd.nextInt(lengths.length)]);
                yield b;
            }
            case 4 -> editHeader(b, layout, headerEnd, DIGITS, m -> NUMBERS[rnd.nextInt(NUMBERS.length)], rnd);
            case 5 -> editHeader(b, layout, headerEnd, QUOTED, m -> {
                char q = m.charAt(0);
                return q + STRINGS[rnd.nextInt(STRINGS.length)] + q;
            }, rnd);
            case 6 ->
                editHeader(b, layout, headerEnd, GROUP, m -> m.charAt(0) + HUGE_SHAPES[rnd.nextInt(HUGE_SHAPES.length)]
                        + m.charAt(m.length() - 1), rnd);
            case 7 -> {
                if (b.length > 0) {
                    int from = rnd.nextInt(b.length), to = Math.min(b.length, from + 1 + rnd.nextInt(16));
                    for (int i = from; i < to; i++) {
                        b[i] = (byte) rnd.nextInt(256);
                    }
                }
                yield b;
            }
            case 8 -> {
                byte[] longer = Arrays.copyOf(b, b.length + 1 + rnd.nextInt(64));
                for (int i = b.length; i < longer.length; i++) {
                    longer[i] = (byte) rnd.nextInt(256);
                }
                yield longer;
            }
            case 9 -> { // delete a range: everything after it shifts
                if (b.length == 0) {
                    yield b;
                }
                int from = rnd.nextInt(b.length), to = Math.min(b.length, from + 1 + rnd.nextInt(16));
                byte[] shorter = new byte[b.length - (to - from)];
                System.arraycopy(b, 0, shorter, 0, from);
                System.arraycopy(b, to, shorter, from, b.length - to);
                yield shorter;
            }
            case 10 -> { // repeat a piece of the header elsewhere in it (duplicate keys, broken nesting)
                String header = header(b, layout, headerEnd);
                if (header.isEmpty()) {
                    yield b;
                }
                int from = rnd.nextInt(header.length()), to = Math.min(header.length(), from + 1 + rnd.nextInt(80));
                int at = rnd.nextInt(header.length() + 1);
                yield withHeader(b, layout, headerEnd,
                        header.substring(0, at) + header.substring(from, to) + header.substring(at),
                        rnd.nextBoolean());
            }
            default -> { // random bytes, sometimes after a plausible length field
                byte[] random = new byte[rnd.nextInt(96)];
                for (int i = 0; i < random.length; i++) {
                    random[i] = (byte) rnd.nextInt(256);
                }
                if (rnd.nextBoolean()) {
                    System.arraycopy(b, 0, random, 0, Math.min(b.length, Math.min(random.length, layout.headerAt())));
                }
                yield random;
            }
        };
    }

    private static int headerEnd(byte[] b, Layout layout) {
        long n = layout.headerLength(b);
        return (int) Math.max(Math.min(b.length, layout.headerAt()),
                Math.min(b.length, layout.headerAt() + Math.max(0, n)));
    }

    /** Truncation points that matter most: inside the length field, inside the header, just at or around its end, near the file's end. */
    private static int truncatedLength(byte[] b, Layout layout, int headerEnd, SplittableRandom rnd) {
        if (b.length == 0) {
            return 0;
        }
        int[] points = {rnd.nextInt(layout.headerAt() + 1), headerEnd, headerEnd - 1, headerEnd + 1, b.length - 1,
                b.length - 1 - rnd.nextInt(Math.min(b.length, 9)), rnd.nextInt(b.length)};
        return Math.clamp(points[rnd.nextInt(points.length)], 0, b.length - 1);
    }

    private static byte[] flipBits(byte[] b, int from, int to, SplittableRandom rnd) {
        if (to <= from) {
            return b;
        }
        for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
            int i = from + rnd.nextInt(to - from);
            b[i] ^= (byte) (1 << rnd.nextInt(8));
        }
        return b;
    }

    private interface Replacement {
        String of(String match);
    }

    /** Replaces one match of {@code pattern} in the header text; the length field follows the change or (half the time) keeps the old length. */
    private static byte[] editHeader(byte[] b, Layout layout, int headerEnd, Pattern pattern, Replacement replacement,
            SplittableRandom rnd) {
        String header = header(b, layout, headerEnd);
        List<int[]> matches = new ArrayList<>();
        Matcher m = pattern.matcher(header);
        while (m.find()) {
            matches.add(new int[]{m.start(), m.end()});
        }
        if (matches.isEmpty()) {
            return b;
        }
        int[] at = matches.get(rnd.nextInt(matches.size()));
        String edited = header.substring(0, at[0]) + replacement.of(header.substring(at[0], at[1]))
                + header.substring(at[1]);
        return withHeader(b, layout, headerEnd, edited, rnd.nextInt(4) != 0);
    }

    /** The header as text, one char per byte (Latin-1 keeps every byte as it is). */
    private static String header(byte[] b, Layout layout, int headerEnd) {
        return headerEnd <= layout.headerAt()
                ? ""
                : new String(b, layout.headerAt(), headerEnd - layout.headerAt(), StandardCharsets.ISO_8859_1);
    }

    private static byte[] withHeader(byte[] b, Layout layout, int headerEnd, String header, boolean fixLength) {
        if (b.length < layout.headerAt()) {
            return b;
        }
        byte[] text = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, layout.headerAt());
        out.write(text, 0, text.length);
        out.write(b, headerEnd, b.length - headerEnd);
        byte[] result = out.toByteArray();
        if (fixLength) {
            layout.setHeaderLength(result, text.length);
        }
        return result;
    }
}
