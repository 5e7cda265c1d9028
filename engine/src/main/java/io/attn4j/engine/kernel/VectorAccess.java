package io.attn4j.engine.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Loads and stores of {@link Simd#F} vectors in segments, for the vector kernels. {@code base} is
 * a byte offset (the element offset of the operand times 4), {@code i} an element index from it.
 *
 * <h2>A rule for every vector loop</h2>
 * The receiver of a vector operation is a vector computed in the same iteration, never a
 * loop-carried accumulator: {@code acc = load(...).add(acc)}, not {@code acc = acc.add(load(...))}.
 * C2 inlines the (virtual) vector methods by the receiver's exact type; an accumulator's type is
 * not exact yet when the loop is parsed, and with an immature profile the call stays virtual and
 * every vector in the loop is boxed on the heap. Written the other way, one JVM run in three put a
 * softmax on 35 KB of garbage per row at a third of its speed.
 */
final class VectorAccess {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorAccess() {
    }

    static FloatVector load(MemorySegment s, long base, int i) {
        return FloatVector.fromMemorySegment(Simd.F, s, base + (long) i * Float.BYTES, ORDER);
    }

    static void store(FloatVector v, MemorySegment s, long base, int i) {
        v.intoMemorySegment(s, base + (long) i * Float.BYTES, ORDER);
    }

    /**
     * Lanes whose mask byte at {@code base + i} is non-zero. Reads {@link Simd#MASK_BYTES}'s
     * length in bytes, which is 8 when {@link Simd#F} has only 4 lanes.
     */
    static VectorMask<Float> nonZeroBytes(MemorySegment s, long base, int i) {
        long bits = ByteVector.fromMemorySegment(Simd.MASK_BYTES, s, base + i, ORDER)
                .compare(VectorOperators.NE, (byte) 0).toLong();
        return VectorMask.fromLong(Simd.F, bits);
    }
}
