package io.attn4j.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.testing.TestKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every public {@link Kernels} entry point, in both implementations, given bad arguments: the
 * documented exception ({@link IllegalArgumentException} naming the argument, or
 * {@link IllegalStateException} for a closed arena), and every live segment byte-for-byte as it
 * was before the call.
 */
class KernelArgsTest {
    /** Floats in each operand: a 4 x 4 matrix or a 16-vector. */
    static final int N = 16;
    private static final Class<IllegalArgumentException> IAE = IllegalArgumentException.class;
    private static final Class<IllegalStateException> ISE = IllegalStateException.class;

    /** The operands of one call: fresh, filled with distinct bit patterns, plus one whose arena is closed. */
    static final class Operands implements AutoCloseable {
        final Arena arena = Arena.ofConfined();
        final MemorySegment x = floats(1, N), y = floats(2, N), out = floats(3, N), a = floats(4, N), b = floats(5, N),
                c = floats(6, N);
        /** Long enough for any length a case uses, for the arguments checked before the one under test. */
        final MemorySegment wide = floats(7, 2 * N);
        final MemorySegment mask = arena.allocate(N);
        final MemorySegment dead;

        Operands() {
            Arena closed = Arena.ofConfined();
            dead = closed.allocate(4L * N * 4, 64);
            closed.close();
            mask.fill((byte) 1);
        }

        private MemorySegment floats(int seed, int count) {
            MemorySegment s = arena.allocate(4L * count, 64);
            for (int i = 0; i < count; i++) {
                // NaN payloads and ordinary values: a write of any float would change some byte
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i,
                        i % 3 == 0 ? Float.intBitsToFloat(0x7fc00000 | seed << 8 | i) : seed + i / 8f);
            }
            return s;
        }

        List<MemorySegment> live() {
            return List.of(x, y, out, a, b, c, wide, mask);
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    @FunctionalInterface
    interface Call {
        void invoke(Kernels k, Operands o);
    }

    /** A rejected call: which entry point, what is wrong, the exception, and a word its message must contain. */
    record Case(String entry, String wrong, Class<? extends RuntimeException> thrown, String mentions, Call call) {
        @Override
        public String toString() {
            return entry + ": " + wrong;
        }
    }

    @FunctionalInterface
    interface Vec1 {
        void call(Kernels k, int n, MemorySegment x, long xOff);
    }

    @FunctionalInterface
    interface Vec2 {
        void call(Kernels k, int n, MemorySegment x, long xOff, MemorySegment y, long yOff);
    }

    @FunctionalInterface
    interface Vec3 {
        void call(Kernels k, int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out,
                long outOff);
    }

    private static final List<Case> CASES = new ArrayList<>();

    private static void add(String entry, String wrong, Class<? extends RuntimeException> thrown, String mentions,
            Call call) {
        CASES.add(new Case(entry, wrong, thrown, mentions, call));
    }

    /** The bad calls every vector argument named {@code name} gets, with {@code with} building the call. */
    private static void vectorArgument(String entry, String name, VecArg with) {
        add(entry, name + " one float too short", IAE, name, (k, o) -> with.call(k, o, N + 1, 0, false));
        add(entry, name + " offset reaches past the end", IAE, name, (k, o) -> with.call(k, o, N, 1, false));
        add(entry, name + " offset negative", IAE, name, (k, o) -> with.call(k, o, 4, -1, false));
        add(entry, name + " offset overflows", IAE, name, (k, o) -> with.call(k, o, N, Long.MAX_VALUE - 4, false));
        add(entry, name + " arena closed", ISE, name, (k, o) -> with.call(k, o, N, 0, true));
    }

    /** Calls the entry point with argument {@code name} given as (n, offset), dead if asked; others valid. */
    @FunctionalInterface
    interface VecArg {
        void call(Kernels k, Operands o, int n, long off, boolean dead);
    }

    private static void vec1(String entry, Vec1 f) {
        add(entry, "n < 0", IAE, "n", (k, o) -> f.call(k, -1, o.x, 0));
        vectorArgument(entry, "x", (k, o, n, off, dead) -> f.call(k, n, dead ? o.dead : o.x, off));
    }

    private static void vec2(String entry, String xName, String yName, Vec2 f) {
        add(entry, "n < 0", IAE, "n", (k, o) -> f.call(k, -1, o.x, 0, o.y, 0));
        vectorArgument(entry, xName, (k, o, n, off, dead) -> f.call(k, n, dead ? o.dead : o.x, off, o.y, 0));
        vectorArgument(entry, yName, (k, o, n, off, dead) -> f.call(k, n, o.wide, 0, dead ? o.dead : o.y, off));
    }

    private static void vec3(String entry, Vec3 f) {
        add(entry, "n < 0", IAE, "n", (k, o) -> f.call(k, -1, o.a, 0, o.b, 0, o.out, 0));
        vectorArgument(entry, "a", (k, o, n, off, dead) -> f.call(k, n, dead ? o.dead : o.a, off, o.b, 0, o.out, 0));
        vectorArgument(entry, "b", (k, o, n, off, dead) -> f.call(k, n, o.wide, 0, dead ? o.dead : o.b, off, o.out, 0));
        vectorArgument(entry, "out",
                (k, o, n, off, dead) -> f.call(k, n, o.wide, 0, o.wide, 0, dead ? o.dead : o.out, off));
    }

    static {
        vec1("sum", (k, n, x, xo) -> k.sum(n, x, xo));
        vec1("max", (k, n, x, xo) -> k.max(n, x, xo));
        vec1("argmax", (k, n, x, xo) -> k.argmax(n, x, xo));
        vec1("logSumExp", (k, n, x, xo) -> k.logSumExp(n, x, xo));
        vec1("scale", (k, n, x, xo) -> k.scale(n, 2f, x, xo));
        vec2("dot", "x", "y", (k, n, x, xo, y, yo) -> k.dot(n, x, xo, y, yo));
        vec2("axpy", "x", "y", (k, n, x, xo, y, yo) -> k.axpy(n, 0.5f, x, xo, y, yo));
        vec2("exp", "x", "out", (k, n, x, xo, y, yo) -> k.exp(n, x, xo, y, yo));
        vec2("tanh", "x", "out", (k, n, x, xo, y, yo) -> k.tanh(n, x, xo, y, yo));
        vec2("sigmoid", "x", "out", (k, n, x, xo, y, yo) -> k.sigmoid(n, x, xo, y, yo));
        vec2("relu", "x", "out", (k, n, x, xo, y, yo) -> k.relu(n, x, xo, y, yo));
        vec3("add", (k, n, a, ao, b, bo, out, oo) -> k.add(n, a, ao, b, bo, out, oo));
        vec3("mul", (k, n, a, ao, b, bo, out, oo) -> k.mul(n, a, ao, b, bo, out, oo));
        // c aliases out (allowed): checked after a, b and out, it is valid whenever they are
        vec3("fma", (k, n, a, ao, b, bo, out, oo) -> k.fma(n, a, ao, b, bo, out, oo, out, oo));
        vectorArgument("fma", "c",
                (k, o, n, off, dead) -> k.fma(n, o.wide, 0, o.wide, 0, dead ? o.dead : o.c, off, o.wide, 0));
        softmaxCases();
        gemvCases();
        gemmCases();
        packedGemmCases();
    }

    private static void softmaxCases() {
        String e = "softmaxRows";
        add(e, "rows < 0", IAE, "rows", (k, o) -> k.softmaxRows(-1, 4, 1f, o.x, 0, 4, null, o.out, 0, 4));
        add(e, "cols < 0", IAE, "cols", (k, o) -> k.softmaxRows(4, -1, 1f, o.x, 0, 4, null, o.out, 0, 4));
        add(e, "ldx < cols", IAE, "x", (k, o) -> k.softmaxRows(2, 4, 1f, o.x, 0, 3, null, o.out, 0, 4));
        add(e, "ldo < cols", IAE, "out", (k, o) -> k.softmaxRows(2, 4, 1f, o.x, 0, 4, null, o.out, 0, 3));
        add(e, "x too short for its ld", IAE, "x", (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 5, null, o.out, 0, 4));
        add(e, "out too short for its ld", IAE, "out", (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, null, o.out, 0, 5));
        add(e, "x offset past the end", IAE, "x", (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 1, 4, null, o.out, 0, 4));
        add(e, "out offset negative", IAE, "out", (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, null, o.out, -1, 4));
        add(e, "ldx so large that rows * ldx overflows", IAE, "x",
                (k, o) -> k.softmaxRows(3, 1, 1f, o.x, 0, 1L << 62, null, o.out, 0, 1));
        add(e, "x arena closed", ISE, "x", (k, o) -> k.softmaxRows(4, 4, 1f, o.dead, 0, 4, null, o.out, 0, 4));
        add(e, "out arena closed", ISE, "out", (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, null, o.dead, 0, 4));
        add(e, "additive mask too short", IAE, "mask.additive",
                (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, SoftmaxMask.additive(o.a, 1, 4), o.out, 0, 4));
        add(e, "additive mask ld < cols", IAE, "mask.additive",
                (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, SoftmaxMask.additive(o.a, 0, 3), o.out, 0, 4));
        add(e, "broadcast additive mask row too short", IAE, "mask.additive",
                (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, SoftmaxMask.additive(o.a, 13, 0), o.out, 0, 4));
        add(e, "additive mask arena closed", ISE, "mask.additive",
                (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, SoftmaxMask.additive(o.dead, 0, 4), o.out, 0, 4));
        add(e, "boolean mask too short", IAE, "mask.excluded",
                (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, SoftmaxMask.excluded(o.mask, 0, 5), o.out, 0, 4));
        add(e, "boolean mask ld < cols", IAE, "mask.excluded",
                (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, SoftmaxMask.excluded(o.mask, 0, 3), o.out, 0, 4));
        add(e, "boolean mask offset negative", IAE, "mask.excluded",
                (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, SoftmaxMask.excluded(o.mask, -1, 4), o.out, 0, 4));
        add(e, "boolean mask arena closed", ISE, "mask.excluded",
                (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4, SoftmaxMask.excluded(o.dead, 0, 4), o.out, 0, 4));
        add(e, "boolean part of a two-part mask too short", IAE, "mask.excluded",
                (k, o) -> k.softmaxRows(4, 4, 1f, o.x, 0, 4,
                        SoftmaxMask.additive(o.a, 0, 4).withExcluded(o.mask, 4, 4), o.out, 0, 4));
    }

    private static void gemvCases() {
        String e = "gemv";
        Transpose no = Transpose.NO, yes = Transpose.YES;
        add(e, "transA null", IAE, "transA", (k, o) -> k.gemv(null, 4, 4, 1f, o.a, 0, 4, o.x, 0, 0f, o.y, 0));
        add(e, "m < 0", IAE, "m", (k, o) -> k.gemv(no, -1, 4, 1f, o.a, 0, 4, o.x, 0, 0f, o.y, 0));
        add(e, "n < 0", IAE, "n", (k, o) -> k.gemv(no, 4, -1, 1f, o.a, 0, 4, o.x, 0, 0f, o.y, 0));
        add(e, "lda < n", IAE, "A", (k, o) -> k.gemv(no, 2, 4, 1f, o.a, 0, 3, o.x, 0, 0f, o.y, 0));
        add(e, "A too short for its lda", IAE, "A", (k, o) -> k.gemv(no, 4, 4, 1f, o.a, 0, 5, o.x, 0, 0f, o.y, 0));
        add(e, "A offset past the end", IAE, "A", (k, o) -> k.gemv(yes, 4, 4, 1f, o.a, 2, 4, o.x, 0, 0f, o.y, 0));
        add(e, "lda overflows", IAE, "A", (k, o) -> k.gemv(no, 3, 1, 1f, o.a, 0, 1L << 62, o.x, 0, 0f, o.y, 0));
        add(e, "x too short (n of A)", IAE, "x", (k, o) -> k.gemv(no, 1, 16, 1f, o.a, 0, 16, o.x, 1, 0f, o.y, 0));
        add(e, "x too short (m of A^T)", IAE, "x", (k, o) -> k.gemv(yes, 5, 3, 1f, o.a, 0, 3, o.x, 12, 0f, o.y, 0));
        add(e, "y too short (m of A)", IAE, "y", (k, o) -> k.gemv(no, 5, 3, 1f, o.a, 0, 3, o.x, 0, 0f, o.y, 12));
        add(e, "y too short (n of A^T)", IAE, "y", (k, o) -> k.gemv(yes, 1, 16, 1f, o.a, 0, 16, o.x, 0, 1f, o.y, 1));
        add(e, "y offset negative", IAE, "y", (k, o) -> k.gemv(no, 4, 4, 1f, o.a, 0, 4, o.x, 0, 1f, o.y, -1));
        add(e, "A arena closed", ISE, "A", (k, o) -> k.gemv(no, 4, 4, 1f, o.dead, 0, 4, o.x, 0, 0f, o.y, 0));
        add(e, "x arena closed", ISE, "x", (k, o) -> k.gemv(no, 4, 4, 1f, o.a, 0, 4, o.dead, 0, 0f, o.y, 0));
        add(e, "y arena closed", ISE, "y", (k, o) -> k.gemv(no, 4, 4, 1f, o.a, 0, 4, o.x, 0, 0f, o.dead, 0));
    }

    private static void gemmCases() {
        String e = "gemm";
        Transpose no = Transpose.NO, yes = Transpose.YES;
        add(e, "transA null", IAE, "transA",
                (k, o) -> k.gemm(null, no, 4, 4, 4, 1f, o.a, 0, 4, o.b, 0, 4, 0f, o.c, 0, 4));
        add(e, "transB null", IAE, "transB",
                (k, o) -> k.gemm(no, null, 4, 4, 4, 1f, o.a, 0, 4, o.b, 0, 4, 0f, o.c, 0, 4));
        add(e, "m < 0", IAE, "m", (k, o) -> k.gemm(no, no, -1, 4, 4, 1f, o.a, 0, 4, o.b, 0, 4, 0f, o.c, 0, 4));
        add(e, "n < 0", IAE, "n", (k, o) -> k.gemm(no, no, 4, -1, 4, 1f, o.a, 0, 4, o.b, 0, 4, 0f, o.c, 0, 4));
        add(e, "k < 0", IAE, "k", (k, o) -> k.gemm(no, no, 4, 4, -1, 1f, o.a, 0, 4, o.b, 0, 4, 0f, o.c, 0, 4));
        add(e, "lda < k", IAE, "A", (k, o) -> k.gemm(no, no, 2, 2, 4, 1f, o.a, 0, 3, o.b, 0, 4, 0f, o.c, 0, 4));
        add(e, "lda < m (A^T)", IAE, "A", (k, o) -> k.gemm(yes, no, 4, 2, 2, 1f, o.a, 0, 3, o.b, 0, 4, 0f, o.c, 0, 4));
        add(e, "ldb < n", IAE, "B", (k, o) -> k.gemm(no, no, 2, 4, 2, 1f, o.a, 0, 4, o.b, 0, 3, 0f, o.c, 0, 4));
        add(e, "ldb < k (B^T)", IAE, "B", (k, o) -> k.gemm(no, yes, 2, 2, 4, 1f, o.a, 0, 4, o.b, 0, 3, 0f, o.c, 0, 4));
        add(e, "ldc < n", IAE, "C", (k, o) -> k.gemm(no, no, 2, 4, 2, 1f, o.a, 0, 4, o.b, 0, 4, 0f, o.c, 0, 3));
        add(e, "A too short", IAE, "A", (k, o) -> k.gemm(no, no, 4, 4, 4, 1f, o.a, 1, 4, o.b, 0, 4, 0f, o.c, 0, 4));
        add(e, "A^T too short", IAE, "A", (k, o) -> k.gemm(yes, no, 4, 4, 5, 1f, o.a, 0, 4, o.x, 0, 1, 0f, o.c, 0, 4));
        add(e, "B too short", IAE, "B", (k, o) -> k.gemm(no, no, 4, 4, 4, 1f, o.a, 0, 4, o.b, 0, 5, 0f, o.c, 0, 4));
        add(e, "B^T too short", IAE, "B", (k, o) -> k.gemm(no, yes, 4, 5, 4, 1f, o.a, 0, 4, o.b, 0, 4, 0f, o.c, 0, 5));
        add(e, "C too short", IAE, "C", (k, o) -> k.gemm(no, no, 4, 4, 4, 1f, o.a, 0, 4, o.b, 0, 4, 1f, o.c, 1, 4));
        add(e, "C offset negative", IAE, "C",
                (k, o) -> k.gemm(no, no, 4, 4, 4, 1f, o.a, 0, 4, o.b, 0, 4, 0f, o.c, -1, 4));
        add(e, "ldc overflows", IAE, "C",
                (k, o) -> k.gemm(no, no, 3, 1, 1, 1f, o.a, 0, 1, o.b, 0, 1, 0f, o.c, 0, 1L << 62));
        add(e, "A arena closed", ISE, "A",
                (k, o) -> k.gemm(no, no, 4, 4, 4, 1f, o.dead, 0, 4, o.b, 0, 4, 0f, o.c, 0, 4));
        add(e, "B arena closed", ISE, "B",
                (k, o) -> k.gemm(no, no, 4, 4, 4, 1f, o.a, 0, 4, o.dead, 0, 4, 0f, o.c, 0, 4));
        add(e, "C arena closed", ISE, "C",
                (k, o) -> k.gemm(no, no, 4, 4, 4, 1f, o.a, 0, 4, o.b, 0, 4, 0f, o.dead, 0, 4));
    }

    private static void packedGemmCases() {
        Transpose no = Transpose.NO, yes = Transpose.YES;
        String p = "packB";
        add(p, "transB null", IAE, "transB", (k, o) -> k.packB(null, 4, 4, o.b, 0, 4));
        add(p, "k < 0", IAE, "k", (k, o) -> k.packB(no, -1, 4, o.b, 0, 4));
        add(p, "n < 0", IAE, "n", (k, o) -> k.packB(no, 4, -1, o.b, 0, 4));
        add(p, "ldb < n", IAE, "B", (k, o) -> k.packB(no, 2, 4, o.b, 0, 3));
        add(p, "B too short", IAE, "B", (k, o) -> k.packB(no, 4, 4, o.b, 1, 4));
        add(p, "B^T too short", IAE, "B", (k, o) -> k.packB(yes, 4, 5, o.b, 0, 4));
        add(p, "B arena closed", ISE, "B", (k, o) -> k.packB(no, 4, 4, o.dead, 0, 4));
        String e = "gemm";
        add(e, "packed: transA null", IAE, "transA",
                (k, o) -> k.gemm(null, 4, 1f, o.a, 0, 4, packed(k, o), 0f, o.c, 0, 4));
        add(e, "packed: m < 0", IAE, "m", (k, o) -> k.gemm(no, -1, 1f, o.a, 0, 4, packed(k, o), 0f, o.c, 0, 4));
        add(e, "packed: b null", IAE, "b", (k, o) -> k.gemm(no, 4, 1f, o.a, 0, 4, null, 0f, o.c, 0, 4));
        add(e, "packed by another implementation", IAE, "b",
                (k, o) -> k.gemm(no, 4, 1f, o.a, 0, 4,
                        packed(k.name().equals("scalar") ? TestKernels.vector() : TestKernels.scalar(), o), 0f, o.c, 0,
                        4));
        add(e, "packed: A too short", IAE, "A", (k, o) -> k.gemm(no, 4, 1f, o.a, 1, 4, packed(k, o), 0f, o.c, 0, 4));
        add(e, "packed: A^T lda < m", IAE, "A", (k, o) -> k.gemm(yes, 4, 1f, o.a, 0, 3, packed(k, o), 0f, o.c, 0, 4));
        add(e, "packed: C too short", IAE, "C", (k, o) -> k.gemm(no, 4, 1f, o.a, 0, 4, packed(k, o), 1f, o.c, 1, 4));
        add(e, "packed: ldc < n", IAE, "C", (k, o) -> k.gemm(no, 2, 1f, o.a, 0, 4, packed(k, o), 0f, o.c, 0, 3));
        add(e, "packed: A arena closed", ISE, "A",
                (k, o) -> k.gemm(no, 4, 1f, o.dead, 0, 4, packed(k, o), 0f, o.c, 0, 4));
        add(e, "packed: C arena closed", ISE, "C",
                (k, o) -> k.gemm(no, 4, 1f, o.a, 0, 4, packed(k, o), 0f, o.dead, 0, 4));
    }

    /** B (4 x 4) packed by {@code k}: a valid operand, so that each case fails for its own reason. */
    private static PackedMatrix packed(Kernels k, Operands o) {
        return k.packB(Transpose.NO, 4, 4, o.b, 0, 4);
    }

    static Stream<Arguments> implementationsAndCases() {
        List<Supplier<Kernels>> impls = List.of(TestKernels::scalar, TestKernels::vector);
        return impls.stream().flatMap(impl -> {
            Kernels k = impl.get();
            return CASES.stream().map(c -> Arguments.of(k.name(), k, c));
        });
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndCases")
    void rejectsBeforeWritingAnything(String impl, Kernels kernels, Case c) {
        try (Operands o = new Operands()) {
            List<byte[]> before = o.live().stream().map(s -> s.toArray(ValueLayout.JAVA_BYTE)).toList();
            RuntimeException e = assertThrows(c.thrown(), () -> c.call().invoke(kernels, o), c.toString());
            String m = e.getMessage();
            assertTrue(m != null && (m.startsWith(c.mentions() + ":") || m.startsWith(c.mentions() + " ")),
                    c + ": message '" + m + "' should start with the argument's name '" + c.mentions() + "'");
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), o.live().get(i).toArray(ValueLayout.JAVA_BYTE),
                        c + ": operand " + i + " changed by a rejected call");
            }
        }
    }

    @Test
    void everyEntryPointHasCases() {
        Set<String> methods = Arrays.stream(Kernels.class.getMethods()).map(Method::getName)
                .filter(m -> !m.equals("name")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> covered = CASES.stream().map(Case::entry).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(methods, covered);
    }

    @Test
    void theFixtureSegmentsAreWhatTheCasesAssume() {
        try (Operands o = new Operands()) {
            for (MemorySegment s : List.of(o.x, o.y, o.out, o.a, o.b, o.c)) {
                assertEquals(4L * N, s.byteSize());
            }
            assertEquals(N, o.mask.byteSize());
            assertTrue(!o.dead.scope().isAlive());
            // the valid version of a typical call goes through, so the cases fail for the stated reason
            TestKernels.scalar().gemm(Transpose.NO, Transpose.NO, 4, 4, 4, 1f, o.a, 0, 4, o.b, 0, 4, 0f, o.c, 0, 4);
            TestKernels.scalar().softmaxRows(4, 4, 1f, o.x, 0, 4, SoftmaxMask.excluded(o.mask, 0, 4), o.out, 0, 4);
        }
    }
}
