package io.attn4j.engine.internal.vector.gemm;

import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.MC;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.MR;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.NC;
import static io.attn4j.engine.internal.vector.gemm.GemmBlocking.NR;

/**
 * Per-thread packing buffers of the GEMM, kept for the thread's life so that calls after the
 * first allocate nothing. A buffer grows to what a call needs, at most to the block sizes of
 * {@link GemmBlocking} ({@code MC*KC + KC*NC} floats, about 11 MiB): a thread that only ever
 * multiplies small matrices never touches the pages of a full block.
 */
final class GemmWorkspace {
    private static final ThreadLocal<GemmWorkspace> PER_THREAD = ThreadLocal.withInitial(GemmWorkspace::new);

    /** Packed A block: up to {@code MC x KC}, rows of op(A). */
    float[] a = new float[0];
    /** Packed B panel: up to {@code KC x NC}, in NR-column slivers. */
    float[] b = new float[0];
    /** One micro-tile of sums, {@code MR x NR} row-major, when the edge of C cuts it. */
    final float[] tile = new float[MR * NR];

    private GemmWorkspace() {
    }

    /** The calling thread's workspace with room for an {@code m x n} product in K blocks of {@code kc}. */
    static GemmWorkspace forProduct(int m, int n, int kc) {
        GemmWorkspace ws = PER_THREAD.get();
        int aLen = roundUp(Math.min(MC, m), MR) * kc;
        int bLen = roundUp(Math.min(NC, n), NR) * kc;
        if (ws.a.length < aLen) {
            ws.a = new float[aLen];
        }
        if (ws.b.length < bLen) {
            ws.b = new float[bLen];
        }
        return ws;
    }

    static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }
}
