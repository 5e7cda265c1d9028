package io.attn4j.bench;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_full;

/**
 * OpenBLAS through bytedeco's preset. The native library loads when this class is first used,
 * i.e. only in a fork that runs an OpenBLAS benchmark (or in the report, to name the core).
 */
final class OpenBlas {
    static {
        // Single-threaded like every other implementation measured, unless a benchmark asks for
        // more (useThreads); the preset starts with one thread per core.
        useThreads(1);
    }

    private OpenBlas() {
    }

    /**
     * Makes OpenBLAS run every later call on {@code threads} threads (the calling thread counts as
     * one of them). The setting is global to the process: a benchmark that needs more than one
     * thread sets it in its own {@code @Setup}, which is safe only because JMH runs each benchmark
     * and parameter combination in a fork of its own, so it never leaks into a single-threaded one.
     *
     * @throws IllegalStateException if OpenBLAS does not take the count (e.g. a single-threaded build)
     */
    static void useThreads(int threads) {
        openblas_full.openblas_set_num_threads(threads);
        int now = openblas_full.openblas_get_num_threads();
        if (now != threads) {
            throw new IllegalStateException(
                    "OpenBLAS runs " + now + " threads after openblas_set_num_threads(" + threads + ")");
        }
    }

    /**
     * A pointer to the first float of {@code segment}: the same memory, not a copy. It does not
     * own the memory; the segment's arena does, and must outlive the pointer's use.
     */
    static FloatPointer pointer(MemorySegment segment) {
        return new FloatPointer(segment.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer());
    }

    /**
     * The kernel set OpenBLAS chose for this CPU (DYNAMIC_ARCH builds pick it at load time, unless
     * {@code OPENBLAS_CORETYPE} forces one) and its build configuration.
     */
    static String describe() {
        return "core " + openblas_full.openblas_get_corename().getString()
                + " (" + openblas_full.openblas_get_config().getString().trim() + ")"
                + ", " + openblas_full.openblas_get_num_threads() + " thread (N in the workloads on N threads per call)"
                + coreTypeNote();
    }

    private static String coreTypeNote() {
        String forced = System.getenv("OPENBLAS_CORETYPE");
        return forced == null ? "" : ", forced by OPENBLAS_CORETYPE=" + forced;
    }
}
