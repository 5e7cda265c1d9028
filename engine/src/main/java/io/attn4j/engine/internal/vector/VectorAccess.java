package io.attn4j.engine.internal.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Loads of {@link Simd#SPECIES} vectors and boolean masks from segments, for the vector kernels, and the
 * rules their loops follow. {@code base} is a byte offset (the element offset of the operand times
 * 4), {@code i} an element index from it.
 *
 * <h2>A rule for every vector loop</h2>
 * The receiver of a vector operation is a vector computed in the same iteration, never a
 * loop-carried accumulator: {@code acc = load(...).add(acc)}, not {@code acc = acc.add(load(...))};
 * and an accumulator is used once per step. C2 inlines the (virtual) vector methods by the
 * receiver's exact type, and intrinsifies them only for arguments of that exact type; an
 * accumulator's type is not exact yet when the loop is parsed, and then the call stays virtual,
 * or the intrinsic falls back to Java code, and every vector in the loop is boxed on the heap.
 * Written otherwise, one JVM run in three put a softmax on 35 KB of garbage per row at a third of
 * its speed. Likewise, an accumulator is updated by one loop only: vectors merged from two
 * alternative loops (an if/else around two loops) lose their exact type where they meet.
 *
 * <h2>And one for every big vector expression</h2>
 * C2 stops inlining ordinary methods once a compilation holds about 18000 IR nodes
 * ({@code NodeCountInliningCutoff}, not adjustable in product JVMs; see JDK-8382700), while the
 * Vector API's own {@code @ForceInline} methods are then inlined later instead of refused. A
 * vector operation costs some 300 to 600 nodes (a polynomial exp, about 8000). So this project's
 * own helpers that take or return vectors ({@link #load}, {@link VectorMath}) are called early
 * in a big loop body, before the bulk of its Vector API operations (tanh computes its exp first), and results are stored with {@code intoMemorySegment}
 * directly, the offset computed in place, not through a helper: a store helper that missed the
 * cut boxed every vector of the tanh kernel (12 KB per 2048 floats). VectorKernelsAllocationTest
 * checks every kernel for such boxing.
 *
 * <h2>No float-to-int reinterpretation</h2>
 * No kernel reinterprets float lanes as ints ({@code reinterpretAsInts}, {@code viewAsIntegralLanes},
 * {@code REINTERPRET_F2I}, {@code test(IS_NAN)} and the other tests): outside C2 the Vector API
 * emulates that by a store into a heap segment, and the heap type it leaves in the profile of
 * {@code FloatVector.intoMemorySegment} makes C2 compile every vector store into a segment as one
 * into an unknown object. Integers come from {@code convert(F2I)}; int-to-float reinterpretation
 * is safe. VectorStoreProfileTest checks it.
 *
 * <h2>And one for unrolled loads</h2>
 * The k-th vector of an unrolled iteration is loaded at index {@code i} from a base k vectors
 * further on, {@code load(x, xb + k * v, i)}, not at index {@code i + k * step}: that int sum
 * might overflow as far as C2 knows, so it kept a range check for every such load
 * ({@code docs/performance-notes.md}).
 */
final class VectorAccess {
    /** Byte order of every vector load and store: the platform's (little-endian wherever the Vector API runs). */
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorAccess() {
    }

    /** Element {@code i} (a float index) of {@code s}, for the scalar tails of the vector loops. */
    static float get(MemorySegment s, long i) {
        return s.getAtIndex(FLOAT, i);
    }

    /** Sets element {@code i} (a float index) of {@code s}. */
    static void set(MemorySegment s, long i, float v) {
        s.setAtIndex(FLOAT, i, v);
    }

    static FloatVector load(MemorySegment s, long base, int i) {
        return FloatVector.fromMemorySegment(Simd.SPECIES, s, base + (long) i * Float.BYTES, ORDER);
    }

    /**
     * The lanes of {@code mask} from {@code base + i * 4}, 0 in the others; a lane that is off is
     * never read, so the vector may reach past the segment's end. For a loop's last, partial
     * vector ({@code mask = SPECIES.indexInRange(i, n)}), where every element must get the same
     * function as in the body.
     */
    static FloatVector load(MemorySegment s, long base, int i, VectorMask<Float> mask) {
        return FloatVector.fromMemorySegment(Simd.SPECIES, s, base + (long) i * Float.BYTES, ORDER, mask);
    }

    /**
     * Lanes whose mask byte at {@code base + i} is non-zero. Reads {@link Simd#MASK_BYTES}'s
     * length in bytes, which is 8 when {@link Simd#SPECIES} has only 4 lanes.
     */
    static VectorMask<Float> nonZeroBytes(MemorySegment s, long base, int i) {
        long bits = ByteVector.fromMemorySegment(Simd.MASK_BYTES, s, base + i, ORDER)
                .compare(VectorOperators.NE, (byte) 0).toLong();
        return VectorMask.fromLong(Simd.SPECIES, bits);
    }
}
