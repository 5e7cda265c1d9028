package io.attn4j.engine.internal.vector;

import static io.attn4j.engine.internal.vector.VectorAccess.ORDER;
import static io.attn4j.engine.internal.vector.VectorAccess.load;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The element-wise kernels of {@link VectorKernels}. Arguments are checked by the caller; offsets
 * are in elements. An output may alias an input at the same offset: each vector is loaded before
 * its result is stored.
 *
 * <p>The loops are not unrolled by hand: no value is carried from one iteration to the next, so
 * there is no latency chain to break, and C2 unrolls counted loops by itself. The tails of the
 * exact kernels (axpy, scale, add, mul, fma, relu) use the scalar reference's formula, which gives
 * the same bits. The tails of exp, tanh and sigmoid are one masked vector of the same polynomial
 * as the body: the reference's formula is within the same bound but not the same bits, and an
 * element's result would then depend on whether it lands in the body or the tail, that is on
 * {@code n}; a model's row would change with the batch's padded length.
 */
final class VectorElementwise {
    private VectorElementwise() {
    }

    /** {@code y = alpha x + y} with one rounding, as {@link Math#fma}. */
    static void axpy(int n, float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        long xb = xOff * Float.BYTES, yb = yOff * Float.BYTES;
        FloatVector a = FloatVector.broadcast(Simd.SPECIES, alpha);
        int i = 0;
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += Simd.LANES) {
            load(x, xb, i).fma(a, load(y, yb, i)).intoMemorySegment(y, yb + (long) i * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            VectorAccess.set(y, yOff + i,
                    Math.fma(alpha, VectorAccess.get(x, xOff + i), VectorAccess.get(y, yOff + i)));
        }
    }

    /** {@code x = alpha x}, in place. */
    static void scale(int n, float alpha, MemorySegment x, long xOff) {
        scaleInto(n, alpha, x, xOff, x, xOff);
    }

    /** {@code out = alpha x}; {@code out} may be {@code x}. */
    static void scaleInto(int n, float alpha, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        long xb = xOff * Float.BYTES, ob = outOff * Float.BYTES;
        int i = 0;
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += Simd.LANES) {
            load(x, xb, i).mul(alpha).intoMemorySegment(out, ob + (long) i * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            VectorAccess.set(out, outOff + i, alpha * VectorAccess.get(x, xOff + i));
        }
    }

    static void add(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        long ab = aOff * Float.BYTES, bb = bOff * Float.BYTES, ob = outOff * Float.BYTES;
        int i = 0;
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += Simd.LANES) {
            load(a, ab, i).add(load(b, bb, i)).intoMemorySegment(out, ob + (long) i * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            VectorAccess.set(out, outOff + i, VectorAccess.get(a, aOff + i) + VectorAccess.get(b, bOff + i));
        }
    }

    static void mul(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff) {
        long ab = aOff * Float.BYTES, bb = bOff * Float.BYTES, ob = outOff * Float.BYTES;
        int i = 0;
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += Simd.LANES) {
            load(a, ab, i).mul(load(b, bb, i)).intoMemorySegment(out, ob + (long) i * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            VectorAccess.set(out, outOff + i, VectorAccess.get(a, aOff + i) * VectorAccess.get(b, bOff + i));
        }
    }

    static void fma(int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment c, long cOff,
            MemorySegment out, long outOff) {
        long ab = aOff * Float.BYTES, bb = bOff * Float.BYTES, cb = cOff * Float.BYTES, ob = outOff * Float.BYTES;
        int i = 0;
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += Simd.LANES) {
            load(a, ab, i).fma(load(b, bb, i), load(c, cb, i)).intoMemorySegment(out, ob + (long) i * Float.BYTES,
                    ORDER);
        }
        for (; i < n; i++) {
            VectorAccess.set(out, outOff + i,
                    Math.fma(VectorAccess.get(a, aOff + i), VectorAccess.get(b, bOff + i),
                            VectorAccess.get(c, cOff + i)));
        }
    }

    /** {@code max(x, 0)} as the reference: {@code x <= 0} (including -0) becomes +0, NaN stays. */
    static void relu(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        long xb = xOff * Float.BYTES, ob = outOff * Float.BYTES;
        int i = 0;
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += Simd.LANES) {
            FloatVector v = load(x, xb, i);
            v.blend(0f, v.compare(VectorOperators.LE, 0f)).intoMemorySegment(out, ob + (long) i * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            float v = VectorAccess.get(x, xOff + i);
            VectorAccess.set(out, outOff + i, v > 0f || Float.isNaN(v) ? v : 0f);
        }
    }

    static void exp(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        long xb = xOff * Float.BYTES, ob = outOff * Float.BYTES;
        int i = 0;
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += Simd.LANES) {
            VectorMath.exp(load(x, xb, i)).intoMemorySegment(out, ob + (long) i * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> tail = Simd.SPECIES.indexInRange(i, n);
            VectorMath.exp(load(x, xb, i, tail)).intoMemorySegment(out, ob + (long) i * Float.BYTES, ORDER, tail);
        }
    }

    static void tanh(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        long xb = xOff * Float.BYTES, ob = outOff * Float.BYTES;
        int i = 0;
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += Simd.LANES) {
            VectorMath.tanh(load(x, xb, i)).intoMemorySegment(out, ob + (long) i * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> tail = Simd.SPECIES.indexInRange(i, n);
            VectorMath.tanh(load(x, xb, i, tail)).intoMemorySegment(out, ob + (long) i * Float.BYTES, ORDER, tail);
        }
    }

    static void sigmoid(int n, MemorySegment x, long xOff, MemorySegment out, long outOff) {
        long xb = xOff * Float.BYTES, ob = outOff * Float.BYTES;
        int i = 0;
        for (int bound = Simd.SPECIES.loopBound(n); i < bound; i += Simd.LANES) {
            VectorMath.sigmoid(load(x, xb, i)).intoMemorySegment(out, ob + (long) i * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> tail = Simd.SPECIES.indexInRange(i, n);
            VectorMath.sigmoid(load(x, xb, i, tail)).intoMemorySegment(out, ob + (long) i * Float.BYTES, ORDER, tail);
        }
    }
}
