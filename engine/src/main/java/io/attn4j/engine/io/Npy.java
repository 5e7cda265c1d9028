package io.attn4j.engine.io;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * numpy's {@code .npy} files, for model inputs and outputs: one array of float32 ({@code <f4}),
 * int64 ({@code <i8}) or bool ({@code |b1}) (also {@code <f2}, {@code <i4}, {@code |i1}), C order;
 * {@link #readAsF32} also reads float64 ({@code <f8}, numpy's default) and big-endian floats,
 * converted to float32.
 *
 * <p>Layout: the magic {@code \x93NUMPY}, a major and minor version byte, the header length
 * (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), the header (a Python dict
 * literal, Latin-1 before 3.0 and UTF-8 in 3.0, padded with spaces and a newline), then the data.
 * The reader checks the header length against the file size before reading it and the data size
 * against the shape before allocating anything; anything else is a {@link MalformedFileException}
 * naming the file.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy itself refuses headers above 10000 bytes by default; this leaves room for very high ranks. */
    static final int MAX_HEADER_BYTES = 1 << 20;
    /** numpy aligns the data to 64 bytes (a cache line) by padding the header. */
    private static final int ALIGN = 64;
    private static final int CHUNK = 1 << 20;

    private Npy() {
    }

    /**
     * Reads the array in {@code file} into a new row-major tensor allocated from {@code arena}, in
     * the type it is stored in.
     *
     * @throws MalformedFileException if the file is not a well-formed C-order {@code .npy} file of
     *     a supported type (little-endian {@code <f4}, {@code <f2}, {@code <i8}, {@code <i4},
     *     {@code |i1}, {@code |b1}; {@link #readAsF32} converts float64 and big-endian floats), or
     *     its data size does not match the shape exactly
     * @throws IOException if the file cannot be read
     * @throws IllegalStateException if the arena is closed
     */
    public static Tensor read(Path file, Arena arena) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Layout layout = layout(file, channel);
            DType dtype = layout.header().dtype();
            if (dtype == null) {
                throw new MalformedFileException(file, "unsupported descr '" + layout.header().descr()
                        + "' (read: <f4, <f2, <i8, <i4, |i1, |b1; Npy.readAsF32 converts <f8 and big-endian floats)");
            }
            return readAsStored(file, channel, layout, dtype, arena);
        }
    }

    /** The data as stored, into a new tensor of {@code dtype}. */
    private static Tensor readAsStored(Path file, FileChannel channel, Layout layout, DType dtype, Arena arena)
            throws IOException {
        Tensor t = Tensor.allocate(arena, dtype, layout.header().shape());
        MemorySegment data = t.segment();
        long bytes = layout.header().byteSize();
        for (long done = 0; done < bytes; done += CHUNK) {
            readFully(file, channel, data.asSlice(done, Math.min(CHUNK, bytes - done)).asByteBuffer(),
                    layout.dataStart() + done);
        }
        return t;
    }

    /**
     * Reads a float array in {@code file} as float32, converting it once: float32 as stored;
     * float16 exactly (every float16 is a float32); float64 rounded to the nearest float32 (ties
     * to even, as numpy's {@code astype(np.float32)}), values below float32's smallest subnormal
     * becoming zero of their sign; big-endian variants of each ({@code >f4}, {@code >f8},
     * {@code >f2}) alike. NaN stays NaN (not necessarily with its payload) and the infinities stay.
     * A finite float64 value beyond float32's range is refused rather than made infinite (numpy
     * would make it infinite): an input that large is a mistake, and an infinity would reach the
     * model as if it were data.
     *
     * @return a new row-major F32 tensor of the file's shape, allocated from {@code arena}
     * @throws MalformedFileException if the file is not a well-formed C-order {@code .npy} file of
     *     a float type ({@code <f4 <f8 <f2 >f4 >f8 >f2}), its data size does not match the shape
     *     exactly, or a float64 value is beyond float32's range (naming its index)
     * @throws IOException if the file cannot be read
     * @throws IllegalStateException if the arena is closed
     */
    public static Tensor readAsF32(Path file, Arena arena) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Layout layout = layout(file, channel);
            NpyHeader header = layout.header();
            if (header.dtype() == DType.F32) {
                return readAsStored(file, channel, layout, DType.F32, arena);
            }
            if (header.descr().charAt(1) != 'f') {
                throw new MalformedFileException(file, "descr '" + header.descr()
                        + "' is not a float type (read as float32: <f4, <f8, <f2 and their big-endian >f4, >f8, >f2)");
            }
            Tensor t = Tensor.allocate(arena, DType.F32, header.shape());
            MemorySegment out = t.segment();
            int item = header.itemBytes();
            ByteOrder order = header.descr().charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            long elements = header.elements();
            ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK, elements * item)).order(order);
            long perChunk = chunk.capacity() / item;
            for (long done = 0; done < elements; done += perChunk) {
                int n = (int) Math.min(perChunk, elements - done);
                chunk.clear().limit(n * item);
                readFully(file, channel, chunk, layout.dataStart() + done * item);
                chunk.flip();
                for (int i = 0; i < n; i++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, done + i, switch (item) {
                        case 2 -> Float.float16ToFloat(chunk.getShort());
                        case 4 -> chunk.getFloat();
                        default -> narrow(file, header.shape(), chunk.getDouble(), done + i);
                    });
                }
            }
            return t;
        }
    }

    /** {@code d} rounded to the nearest float; a finite value beyond float's range is refused. */
    private static float narrow(Path file, long[] shape, double d, long flat) throws MalformedFileException {
        float f = (float) d;
        if (Float.isInfinite(f) && !Double.isInfinite(d)) {
            throw new MalformedFileException(file, "value " + d + " at " + index(shape, flat)
                    + " is beyond float32's range (largest finite " + Float.MAX_VALUE + ")");
        }
        return f;
    }

    /** The C-order index of element {@code flat}, as {@code [i, j, k]}. */
    private static String index(long[] shape, long flat) {
        long[] index = new long[shape.length];
        for (int axis = shape.length - 1; axis >= 0; axis--) {
            index[axis] = flat % shape[axis];
            flat /= shape[axis];
        }
        return Arrays.toString(index);
    }

    /** A checked header and where the data starts. */
    private record Layout(NpyHeader header, long dataStart) {
    }

    /** Reads and checks the magic, version and header, and that the data size matches the shape exactly. */
    private static Layout layout(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        ByteBuffer prefix = ByteBuffer.allocate((int) Math.min(size, 12)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, prefix, 0);
        if (size < 10 || !prefix.slice(0, MAGIC.length).equals(ByteBuffer.wrap(MAGIC))) {
            throw new MalformedFileException(file, "not an .npy file: it does not start with \\x93NUMPY and a version");
        }
        int major = prefix.get(6), minor = prefix.get(7);
        if (major < 1 || major > 3 || minor != 0) {
            throw new MalformedFileException(file,
                    "unsupported .npy version " + major + "." + minor + " (read: 1.0, 2.0, 3.0)");
        }
        if (major > 1 && size < 12) {
            throw new MalformedFileException(file, size + " bytes, too short for a version " + major + ".0 header");
        }
        long headerLength = major == 1 ? prefix.getShort(8) & 0xFFFF : prefix.getInt(8) & 0xFFFF_FFFFL;
        int headerStart = major == 1 ? 10 : 12;
        if (headerLength > MAX_HEADER_BYTES || headerLength > size - headerStart) {
            throw new MalformedFileException(file,
                    "header length " + headerLength + " does not fit a file of " + size
                            + " bytes (limit " + MAX_HEADER_BYTES + ")");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(file, channel, headerBytes, headerStart);
        Charset charset = major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        String text;
        try {
            text = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(headerBytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFileException(file, null, "header is not valid " + charset, e);
        }
        NpyHeader header = NpyHeader.parse(file, text);
        long dataStart = headerStart + headerLength;
        if (header.byteSize() != size - dataStart) {
            throw new MalformedFileException(file,
                    "data holds " + (size - dataStart) + " bytes, but " + header.descr()
                            + Arrays.toString(header.shape()) + " needs " + header.byteSize());
        }
        return new Layout(header, dataStart);
    }

    /**
     * Writes {@code t} to {@code file} as a version 1.0 {@code .npy} file (2.0 if the header
     * outgrows 1.0's 65535 bytes), header padded so that the data starts on a 64-byte boundary
     * as numpy does; strided views are written in logical (C) order. The file is written beside
     * the target and renamed over it, so a failure leaves {@code file} as it was; a new file gets
     * the mode the umask gives, an existing one keeps its permissions, a symbolic link its target,
     * and file system errors name {@code file} (not the temporary file).
     *
     * @throws IllegalArgumentException if the dtype has no numpy equivalent (BF16)
     * @throws IllegalStateException if the tensor's arena is closed
     * @throws java.nio.file.FileSystemException naming {@code file} if it is not a regular file, or
     *     its directory is missing or refuses the write
     */
    public static void write(Path file, Tensor t) throws IOException {
        if (NpyHeader.descr(t.dtype()) == null) {
            throw new IllegalArgumentException("t: " + t.dtype() + " has no numpy dtype; widen it to F32 first");
        }
        if (!t.isAlive()) {
            throw new IllegalStateException("t: the arena that owns this tensor is closed");
        }
        String dict = NpyHeader.format(t.dtype(), t.shape());
        int prefix = 10;
        int padded = paddedLength(prefix, dict);
        if (padded > 0xFFFF) {
            prefix = 12;
            padded = paddedLength(prefix, dict);
        }
        ByteBuffer head = ByteBuffer.allocate(prefix + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) (prefix == 10 ? 1 : 2)).put((byte) 0);
        if (prefix == 10) {
            head.putShort((short) padded);
        } else {
            head.putInt(padded);
        }
        head.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (head.position() < head.limit() - 1) {
            head.put((byte) ' ');
        }
        head.put((byte) '\n');
        AtomicFiles.write(file, channel -> {
            TensorBytes.writeFully(head.flip(), channel);
            TensorBytes.write(t, channel);
        });
    }

    /** Header length after padding: dict, spaces and a newline, ending the prefix + header on a 64-byte boundary. */
    private static int paddedLength(int prefix, String dict) {
        int unpadded = prefix + dict.length() + 1;
        return (unpadded + ALIGN - 1) / ALIGN * ALIGN - prefix;
    }

    private static void readFully(Path file, FileChannel channel, ByteBuffer into, long position) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int n = channel.read(into, at);
            if (n < 0) {
                throw new IOException(
                        file + ": the file ended at byte " + at + " while it was read (changed under us?)");
            }
            at += n;
        }
    }
}
