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
        // Single-threaded like every other implementation measured; the preset starts with one
        // thread per core.
        openblas_full.openblas_set_num_threads(1);
        int threads = openblas_full.openblas_get_num_threads();
        if (threads != 1) {
            throw new IllegalStateException("OpenBLAS runs " + threads + " threads after openblas_set_num_threads(1)");
        }
    }

    private OpenBlas() {
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
                + ", " + openblas_full.openblas_get_num_threads() + " thread"
                + coreTypeNote();
    }

    private static String coreTypeNote() {
        String forced = System.getenv("OPENBLAS_CORETYPE");
        return forced == null ? "" : ", forced by OPENBLAS_CORETYPE=" + forced;
    }
}
