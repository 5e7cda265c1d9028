package io.attn4j.engine.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import com.sun.management.ThreadMXBean;
import io.attn4j.engine.testing.Segments;
import io.attn4j.engine.testing.TestKernels;
import io.attn4j.engine.testing.Values;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Once C2 has compiled them, the vector kernels allocate nothing: no vector is boxed on the heap.
 * Boxing is what happens when C2 fails to inline a call that passes a vector (see
 * {@code VectorAccess}); the results stay right, only speed and garbage show it, so this test
 * watches the garbage. Each kernel runs in batches until one batch allocates nothing, or fails
 * after {@link #PATIENCE_NANOS} (C2 normally gets there within a second).
 */
@Tag("allocation")
class VectorKernelsAllocationTest {
    private static final long PATIENCE_NANOS = 10_000_000_000L;
    private static final int N = 2048;
    private static final int ROWS = 4;
    private static final int BATCH = 200;
    private static final Kernels K = TestKernels.vector();
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static Arena arena;
    private static MemorySegment x, y, z, out;
    private static SoftmaxMask mask;
    /** B of the packed products: 16 x 261, enough columns for the lone-row kernel and a ragged edge. */
    private static PackedMatrix packed;
    private static float sink;

    @BeforeAll
    static void allocate() {
        arena = Arena.ofShared();
        SplittableRandom rnd = new SplittableRandom(7);
        float[] a = Values.of(Values.Kind.NORMAL, N * ROWS, rnd, 1f),
                b = Values.of(Values.Kind.NORMAL, N * ROWS, rnd, 1f);
        x = Segments.floats(arena, 0, a);
        y = Segments.floats(arena, 0, b);
        z = Segments.floats(arena, 0, a);
        out = Segments.floats(arena, 0, new float[N * ROWS]);
        float[] additive = new float[N];
        byte[] excluded = new byte[N];
        for (int c = 0; c < N; c++) {
            additive[c] = c % 3 == 0 ? Float.NEGATIVE_INFINITY : 0f;
            excluded[c] = (byte) (c % 5 == 0 ? 1 : 0);
        }
        packed = K.packB(Transpose.NO, 16, 261, y, 0, 261);
        mask = SoftmaxMask.additive(Segments.floats(arena, 0, additive), 0, 0)
                .withExcluded(Segments.bytes(arena, 0, excluded), 0, 0);
    }

    @AfterAll
    static void free() {
        arena.close();
    }

    @TestFactory
    Stream<DynamicTest> everyKernelStopsAllocating() {
        Map<String, Runnable> kernels = new LinkedHashMap<>();
        kernels.put("dot", () -> sink += K.dot(N, x, 0, y, 0));
        kernels.put("sum", () -> sink += K.sum(N, x, 0));
        kernels.put("max", () -> sink += K.max(N, x, 0));
        kernels.put("argmax", () -> sink += K.argmax(N, x, 0));
        kernels.put("axpy", () -> K.axpy(N, 1e-3f, x, 0, out, 0));
        kernels.put("scale", () -> K.scale(N, 1f, out, 0));
        kernels.put("add", () -> K.add(N, x, 0, y, 0, out, 0));
        kernels.put("mul", () -> K.mul(N, x, 0, y, 0, out, 0));
        kernels.put("fma", () -> K.fma(N, x, 0, y, 0, z, 0, out, 0));
        kernels.put("relu", () -> K.relu(N, x, 0, out, 0));
        kernels.put("exp", () -> K.exp(N, x, 0, out, 0));
        kernels.put("tanh", () -> K.tanh(N, x, 0, out, 0));
        kernels.put("sigmoid", () -> K.sigmoid(N, x, 0, out, 0));
        kernels.put("softmaxRows", () -> K.softmaxRows(ROWS, N, 0.125f, x, 0, N, null, out, 0, N));
        kernels.put("softmaxRows masked", () -> K.softmaxRows(ROWS, N, 0.125f, x, 0, N, mask, out, 0, N));
        kernels.put("logSumExp", () -> sink += K.logSumExp(N, x, 0));
        // 7 rows: one whole micro-tile row block and a lone row; beta 1 takes the scratch-tile path.
        kernels.put("gemm",
                () -> K.gemm(Transpose.NO, Transpose.NO, 7, 100, 64, 1f, x, 0, 64, y, 0, 100, 0f, out, 0, 100));
        kernels.put("gemm beta 1",
                () -> K.gemm(Transpose.NO, Transpose.YES, 7, 100, 64, 1f, x, 0, 64, y, 0, 64, 1f, out, 0, 100));
        kernels.put("gemm packed, one row", () -> K.gemm(Transpose.NO, 1, 1f, x, 0, 16, packed, 0f, out, 0, 261));
        kernels.put("gemm packed", () -> K.gemm(Transpose.NO, 13, 1f, x, 0, 16, packed, 0f, out, 0, 261));
        kernels.put("gemv", () -> K.gemv(Transpose.NO, 64, 100, 1f, x, 0, 100, y, 0, 0f, out, 0));
        return kernels.entrySet().stream()
                .map(e -> DynamicTest.dynamicTest(e.getKey(), () -> settles(e.getKey(), e.getValue())));
    }

    private static void settles(String name, Runnable kernel) {
        long deadline = System.nanoTime() + PATIENCE_NANOS, bytes = -1;
        while (System.nanoTime() < deadline) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < BATCH; i++) {
                kernel.run();
            }
            bytes = THREADS.getCurrentThreadAllocatedBytes() - before;
            if (bytes == 0) {
                return;
            }
        }
        fail(name + " still allocates " + bytes / BATCH + " bytes per call after " + PATIENCE_NANOS / 1_000_000_000
                + " s");
    }
}
