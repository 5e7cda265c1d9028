package io.attn4j.engine.io;

import io.attn4j.engine.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The header dictionary of a {@code .npy} file, {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), }}: read by a small strict parser of exactly the Python literals numpy writes
 * there (a dict of quoted string keys; values that are quoted strings, {@code True}/{@code False}
 * or tuples of non-negative integers; trailing commas allowed), never evaluated.
 *
 * @param descr the type string, one of {@link #DESCRS}
 * @param shape C order; a 0-d array has the empty shape
 */
record NpyHeader(String descr, long[] shape) {
    /**
     * The type strings read: those of the {@link DType}s numpy has (little-endian, as numpy writes
     * them on every common machine), and the float types that {@link Npy#readAsF32} converts:
     * float64 and big-endian floats.
     */
    static final Set<String> DESCRS = Set.of("<f4", "<f2", "<i8", "<i4", "|i1", "|b1", "<f8", ">f8", ">f4", ">f2");

    /** The dtype whose memory layout the data has as stored, or null when it has none (float64, big-endian). */
    DType dtype() {
        return dtype(descr);
    }

    /** Bytes per element: the digit after the type letter. */
    int itemBytes() {
        return itemBytes(descr);
    }

    private static int itemBytes(String descr) {
        return descr.charAt(2) - '0';
    }

    /** Elements in the array, known not to overflow. */
    long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Bytes per element times elements, known not to overflow. */
    long byteSize() {
        return itemBytes() * elements();
    }

    /** The numpy type string of {@code dtype}, or null if numpy has no matching type (BF16). */
    static String descr(DType dtype) {
        return switch (dtype) {
            case F32 -> "<f4";
            case F16 -> "<f2";
            case I8 -> "|i1";
            case I32 -> "<i4";
            case I64 -> "<i8";
            case BOOL -> "|b1";
            case BF16 -> null;
        };
    }

    private static DType dtype(String descr) {
        for (DType t : DType.values()) {
            if (descr.equals(descr(t))) {
                return t;
            }
        }
        return null;
    }

    /** The dictionary numpy writes for a C-order array: {@code {'descr': ..., 'fortran_order': False, 'shape': (...), }}. */
    static String format(DType dtype, long[] shape) {
        StringBuilder s = new StringBuilder("{'descr': '").append(descr(dtype))
                .append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            s.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return s.append(shape.length == 1 ? ",), }" : "), }").toString();
    }

    /**
     * Parses and checks the dictionary {@code text}: exactly the keys descr, fortran_order and
     * shape; a supported descr; C order; a shape whose byte size fits a long.
     *
     * @throws MalformedFileException naming {@code file} and the problem
     */
    static NpyHeader parse(Path file, String text) throws MalformedFileException {
        Map<String, Object> dict = new Parser(file, text).dictionary();
        if (!dict.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
            throw new MalformedFileException(file,
                    "header keys are " + dict.keySet() + ", expected descr, fortran_order and shape");
        }
        if (!(dict.get("descr") instanceof String descr)) {
            throw new MalformedFileException(file,
                    "descr " + dict.get("descr") + " is not a type string (structured arrays are not read)");
        }
        if (!DESCRS.contains(descr)) {
            throw new MalformedFileException(file, "unsupported descr '" + descr
                    + "' (read: <f4, <f2, <i8, <i4, |i1, |b1; converted to float32: <f8 and big-endian floats)");
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new MalformedFileException(file, "fortran_order is not True or False");
        }
        if (fortran) {
            throw new MalformedFileException(file, "fortran_order is True; only C order is read");
        }
        if (!(dict.get("shape") instanceof long[] shape)) {
            throw new MalformedFileException(file, "shape is not a tuple of integers");
        }
        long bytes = itemBytes(descr);
        for (long d : shape) {
            try {
                bytes = Math.multiplyExact(bytes, d);
            } catch (ArithmeticException overflow) {
                throw new MalformedFileException(file,
                        "shape " + Arrays.toString(shape) + " is too large: its byte size overflows");
            }
        }
        return new NpyHeader(descr, shape);
    }

    /** Recursive descent over the literal; positions in errors count characters of the header. */
    private static final class Parser {
        private final Path file;
        private final String text;
        private int pos;

        Parser(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        Map<String, Object> dictionary() throws MalformedFileException {
            expect('{');
            Map<String, Object> dict = new LinkedHashMap<>();
            while (!peekIs('}')) {
                String key = string();
                expect(':');
                if (dict.put(key, value()) != null) {
                    throw error("duplicate key '" + key + "'");
                }
                if (!peekIs('}')) {
                    expect(',');
                }
            }
            expect('}');
            skipSpace();
            if (pos != text.length()) {
                throw error("trailing characters");
            }
            return dict;
        }

        private Object value() throws MalformedFileException {
            skipSpace();
            if (pos < text.length() && (text.charAt(pos) == '\'' || text.charAt(pos) == '"')) {
                return string();
            }
            if (text.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (text.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            if (peekIs('(')) {
                return tuple();
            }
            throw error("unexpected value");
        }

        /** {@code ()}, {@code (n,)}, {@code (n, m)} or {@code (n, m,)}; {@code (n)} is a number in Python, not a tuple. */
        private long[] tuple() throws MalformedFileException {
            expect('(');
            List<Long> dims = new ArrayList<>();
            boolean comma = false;
            while (!peekIs(')')) {
                dims.add(integer());
                comma = peekIs(',');
                if (comma) {
                    pos++;
                } else if (!peekIs(')')) {
                    throw error("expected ',' or ')'");
                }
            }
            expect(')');
            if (dims.size() == 1 && !comma) {
                throw error("(n) without a comma is not a tuple");
            }
            return dims.stream().mapToLong(Long::longValue).toArray();
        }

        private long integer() throws MalformedFileException {
            skipSpace();
            int start = pos;
            while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
                pos++;
            }
            if (pos == start || pos - start > 19) {
                throw error("expected a non-negative integer of at most 19 digits");
            }
            try {
                return Long.parseLong(text, start, pos, 10);
            } catch (NumberFormatException e) {
                throw error("integer out of range");
            }
        }

        private String string() throws MalformedFileException {
            skipSpace();
            char quote = pos < text.length() ? text.charAt(pos) : 0;
            if (quote != '\'' && quote != '"') {
                throw error("expected a quoted string");
            }
            int end = text.indexOf(quote, pos + 1);
            if (end < 0) {
                throw error("unterminated string");
            }
            String s = text.substring(pos + 1, end);
            if (s.indexOf('\\') >= 0) {
                throw error("escapes are not used in npy headers");
            }
            pos = end + 1;
            return s;
        }

        private boolean peekIs(char c) {
            skipSpace();
            return pos < text.length() && text.charAt(pos) == c;
        }

        private void expect(char c) throws MalformedFileException {
            if (!peekIs(c)) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private void skipSpace() {
            while (pos < text.length()
                    && (text.charAt(pos) == ' ' || text.charAt(pos) == '\n' || text.charAt(pos) == '\t'
                            || text.charAt(pos) == '\r')) {
                pos++;
            }
        }

        private MalformedFileException error(String what) {
            return new MalformedFileException(file, "header dictionary: " + what + " at character " + pos);
        }
    }
}
