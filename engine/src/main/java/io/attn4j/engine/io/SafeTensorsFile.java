package io.attn4j.engine.io;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, memory-mapped read-only, its tensors handed out as {@link Tensor} views.
 *
 * <p>{@link #open} maps the whole file into a shared {@link Arena} that this object owns and
 * checks the whole header before it returns (see {@link SafeTensorsHeader}: header length bounded
 * by {@value SafeTensorsHeader#MAX_HEADER_BYTES} bytes and by the file size before it is read,
 * known dtypes, non-negative dimensions whose byte size does not overflow, offsets matching dtype x
 * shape and tiling the data section with no overlap and no hole, no duplicate names,
 * {@code __metadata__} a map of strings). Any tensor named in the header can then be read without
 * further checks and never outside the mapping.
 *
 * <p>Every tensor this file hands out is read-only: a write, by a kernel or by {@link Tensor#set},
 * throws {@link IllegalArgumentException} ("read-only segment"), because writing into a weight is
 * always a bug. Callers that need a writable copy allocate one.
 *
 * <p>Lifetime: {@link #close()} unmaps the file and frees every tensor copied or widened from it;
 * any later use of this object or of a tensor it gave out throws {@link IllegalStateException}.
 * Close it only when no thread uses its tensors. The file must not be truncated while it is open
 * (the operating system then faults on the missing pages).
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
public final class SafeTensorsFile implements AutoCloseable {
    private static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int NAMES_IN_ERRORS = 8;

    private final Path file;
    private final Arena arena;
    private final MemorySegment mapping;
    private final SafeTensorsHeader header;
    private final Map<String, TensorInfo> byName;
    /** F32 tensors this file had to copy (misaligned) or widen (F16, BF16), made once each. */
    private final Map<String, Tensor> converted = new HashMap<>();

    private SafeTensorsFile(Path file, Arena arena, MemorySegment mapping, SafeTensorsHeader header) {
        this.file = file;
        this.arena = arena;
        this.mapping = mapping;
        this.header = header;
        Map<String, TensorInfo> names = new LinkedHashMap<>();
        header.tensors().forEach(t -> names.put(t.name(), t));
        this.byName = names;
    }

    /**
     * Maps {@code file} read-only and checks its header.
     *
     * @throws MalformedFileException if the content is not a valid safetensors file of supported
     *     dtypes; the message names the file and, when one is to blame, the tensor
     * @throws IOException if the file cannot be read
     */
    public static SafeTensorsFile open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new MalformedFileException(file, size + " bytes, shorter than the 8-byte header length");
            }
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).asReadOnly();
            return new SafeTensorsFile(file, arena, mapping, SafeTensorsHeader.read(file, mapping));
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** The file this was opened from. */
    public Path file() {
        return file;
    }

    /** The header's {@code __metadata__} (string to string, file order); empty when absent. */
    public Map<String, String> metadata() {
        requireOpen();
        return header.metadata();
    }

    /** Tensor names in header order ({@code __metadata__} is not a tensor). */
    public List<String> names() {
        requireOpen();
        return List.copyOf(byName.keySet());
    }

    public boolean contains(String name) {
        requireOpen();
        return byName.containsKey(name);
    }

    /**
     * What the header says about tensor {@code name}.
     *
     * @throws IllegalArgumentException if there is no such tensor (the message lists some that exist)
     */
    public TensorInfo info(String name) {
        requireOpen();
        TensorInfo info = byName.get(name);
        if (info == null) {
            List<String> names = List.copyOf(byName.keySet());
            throw new IllegalArgumentException(
                    file + ": no tensor '" + name + "'; it has " + names.size() + " tensors: "
                            + String.join(", ", names.subList(0, Math.min(NAMES_IN_ERRORS, names.size())))
                            + (names.size() > NAMES_IN_ERRORS ? ", ..." : ""));
        }
        return info;
    }

    /**
     * Tensor {@code name} as stored: its own dtype and shape, row-major, a zero-copy read-only
     * view of the mapping (possibly not aligned to its element size: read it through the
     * unaligned layouts, as {@link Tensor}'s accessors do).
     *
     * @throws IllegalArgumentException if there is no such tensor
     */
    public Tensor tensor(String name) {
        TensorInfo info = info(name);
        return Tensor.wrap(data(info), info.dtype(), info.shape());
    }

    /**
     * Tensor {@code name} as F32, read-only. F32 data that lies 4-byte aligned in memory (the
     * mapping starts on a page, so its file offset decides) is the zero-copy view of
     * {@link #tensor}; misaligned F32 data is copied once, 64-byte aligned, into this file's
     * arena; F16 and BF16 are widened once, exactly, into a new F32 tensor. Copies are cached: a
     * second call returns the same tensor. They live until {@link #close()}.
     *
     * @throws IllegalArgumentException if there is no such tensor or its dtype is not F32, F16 or BF16
     */
    public synchronized Tensor f32(String name) {
        TensorInfo info = info(name);
        Tensor done = converted.get(name);
        if (done != null) {
            return done;
        }
        MemorySegment src = data(info);
        if (info.dtype() == DType.F32 && src.address() % Float.BYTES == 0) {
            return Tensor.wrap(src, DType.F32, info.shape());
        }
        if (info.dtype() != DType.F32 && info.dtype() != DType.F16 && info.dtype() != DType.BF16) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' is " + info.dtype()
                    + ", not a floating-point type (F32, F16, BF16); read it with tensor(name)");
        }
        MemorySegment dst = Tensor.allocate(arena, DType.F32, info.shape()).segment();
        long n = info.size();
        switch (info.dtype()) {
            case F32 -> MemorySegment.copy(src, 0, dst, 0, info.byteSize());
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(F32_LE, i, Float.float16ToFloat(src.getAtIndex(U16_LE, i)));
                }
            }
            default -> { // BF16 is the upper half of a binary32: widening is a shift
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(F32_LE, i, Float.intBitsToFloat((src.getAtIndex(U16_LE, i) & 0xFFFF) << 16));
                }
            }
        }
        Tensor t = Tensor.wrap(dst.asReadOnly(), DType.F32, info.shape());
        converted.put(name, t);
        return t;
    }

    /** Unmaps the file and frees the copies; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafeTensorsFile(" + file + ", " + byName.size() + " tensors"
                + (arena.scope().isAlive() ? ")" : ", closed)");
    }

    private MemorySegment data(TensorInfo info) {
        return mapping.asSlice(header.dataStart() + info.byteOffset(), info.byteSize());
    }

    private void requireOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException(file + " is closed");
        }
    }
}
