package io.attn4j.engine.io;

import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/** A tensor's elements as bytes (little-endian, as tensors store them) in row-major order. */
final class TensorBytes {
    /** Bytes handed to the channel per write: big enough to amortize the call, small enough for the heap. */
    private static final int CHUNK = 1 << 20;

    private TensorBytes() {
    }

    /** Byte size of {@code t}'s elements: elements x dtype size. */
    static long byteSize(Tensor t) {
        return t.size() * t.dtype().byteSize();
    }

    /**
     * Writes {@code t}'s elements to {@code out}: a contiguous view straight from its segment, a
     * strided one gathered element by element in logical order.
     *
     * @throws IllegalStateException if the tensor's arena is closed
     */
    static void write(Tensor t, WritableByteChannel out) throws IOException {
        int elem = t.dtype().byteSize();
        MemorySegment seg = t.segment();
        if (t.isContiguous()) {
            long start = t.offset() * elem, bytes = byteSize(t);
            for (long done = 0; done < bytes; done += CHUNK) {
                writeFully(seg.asSlice(start + done, Math.min(CHUNK, bytes - done)).asByteBuffer(), out);
            }
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(CHUNK);
            long[] shape = t.shape(), strides = t.strides(), pos = new long[shape.length];
            long n = t.size(), filled = 0;
            for (long i = 0; i < n; i++) {
                long e = t.offset();
                for (int d = 0; d < pos.length; d++) {
                    e += pos[d] * strides[d];
                }
                MemorySegment.copy(seg, e * elem, buffer, filled, elem);
                filled += elem;
                if (filled + elem > CHUNK) {
                    writeFully(buffer.asSlice(0, filled).asByteBuffer(), out);
                    filled = 0;
                }
                for (int d = pos.length - 1; d >= 0 && ++pos[d] == shape[d]; d--) {
                    pos[d] = 0;
                }
            }
            writeFully(buffer.asSlice(0, filled).asByteBuffer(), out);
        }
    }

    static void writeFully(ByteBuffer buffer, WritableByteChannel out) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
