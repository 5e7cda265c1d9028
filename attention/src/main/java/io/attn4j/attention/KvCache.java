package io.attn4j.attention;

import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * Keys and values of past positions for step-by-step decoding, in preallocated off-heap storage
 * owned by this object: keys {@code (B, Hkv, capacity, dk)}, values {@code (B, Hkv, capacity, dv)},
 * row-major. Each step {@link #append}s the new positions' keys and values, then {@link #attend}s
 * the new queries against every cached position. Steps allocate nothing (on the calling thread;
 * with an executor, only the executor's own task objects).
 *
 * <p>Attention runs through {@link FusedAttention}: the new queries (at most one query block) see
 * all cached keys up to their own position, and a long cache is split into fixed chunks of keys,
 * computed in parallel and merged exactly in chunk order, so the result does not depend on the
 * thread count. Error: the bound of {@link FusedAttention}.
 *
 * <p>One cache belongs to one sequence batch; it is not thread-safe.
 */
public final class KvCache implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final int batch;
    private final int kvHeads;
    private final int capacity;
    private final int keyDim;
    private final int valueDim;
    private final MemorySegment keys;
    private final MemorySegment values;
    private final AttentionMask causal = AttentionMask.none().withCausal();
    private final Backend backend;
    private int length;

    /**
     * A cache on the kernels {@link KernelProvider#kernels()} chose.
     *
     * @throws IllegalArgumentException unless every size is positive and the storage fits
     */
    public KvCache(int batch, int kvHeads, int capacity, int keyDim, int valueDim) {
        this(batch, kvHeads, capacity, keyDim, valueDim, KernelProvider.kernels());
    }

    /** As {@link #KvCache(int, int, int, int, int)}, computing with {@code kernels}. */
    public KvCache(int batch, int kvHeads, int capacity, int keyDim, int valueDim, Kernels kernels) {
        if (kernels == null) {
            arena.close();
            throw new IllegalArgumentException("kernels is null");
        }
        this.backend = Backend.of(kernels);
        if (batch <= 0 || kvHeads <= 0 || capacity <= 0 || keyDim <= 0 || valueDim <= 0) {
            arena.close();
            throw new IllegalArgumentException(
                    "KvCache sizes must be positive, got batch " + batch + ", kvHeads " + kvHeads
                            + ", capacity " + capacity + ", keyDim " + keyDim + ", valueDim " + valueDim);
        }
        this.batch = batch;
        this.kvHeads = kvHeads;
        this.capacity = capacity;
        this.keyDim = keyDim;
        this.valueDim = valueDim;
        long rows = (long) batch * kvHeads * capacity;
        keys = arena.allocate(rows * keyDim * Float.BYTES, AttentionWorkspace.ALIGN);
        values = arena.allocate(rows * valueDim * Float.BYTES, AttentionWorkspace.ALIGN);
    }

    /** Positions held. */
    public int length() {
        return length;
    }

    /** The most steps the cache holds, as built. */
    public int capacity() {
        return capacity;
    }

    /** Forgets every position (the memory is kept). */
    public void clear() {
        length = 0;
    }

    /**
     * Copies {@code n} new positions in after the cached ones.
     *
     * @param newKeys {@code (B, Hkv, n, dk)}, last dimension contiguous; not modified
     * @param newValues {@code (B, Hkv, n, dv)}, last dimension contiguous; not modified
     * @throws IllegalArgumentException on other shapes or when the cache would overflow; nothing is copied then
     */
    public void append(Tensor newKeys, Tensor newValues) {
        requireOpen();
        int n = checkBlock("newKeys", newKeys, keyDim, -1);
        checkBlock("newValues", newValues, valueDim, n);
        if (n > capacity - length) {
            throw new IllegalArgumentException(
                    "appending " + n + " positions to " + length + " overflows the capacity " + capacity);
        }
        copyIn(newKeys, keys, keyDim, n);
        copyIn(newValues, values, valueDim, n);
        length += n;
    }

    /**
     * Attention of the {@code nq} newest positions' queries over every cached position: query
     * {@code i} (position {@code length - nq + i}) sees keys {@code j <= length - nq + i}.
     *
     * @param query {@code (B, H, nq, dk)}, {@code H} a multiple of {@code Hkv} (head h reads
     *        kv head {@code h / (H / Hkv)}), {@code nq <= length}; not modified
     * @param scale the score scale, or NaN for {@code 1/sqrt(dk)}
     * @param executor null runs on the calling thread
     * @param context {@code (B, H, nq, dv)}; overwritten
     * @throws IllegalArgumentException on shapes that do not fit, before writing anything
     */
    public void attend(Tensor query, float scale, AttentionWorkspace workspace, Executor executor, Tensor context) {
        requireOpen();
        if (workspace == null) {
            throw new IllegalArgumentException("workspace is null");
        }
        AttentionOperands op = workspace.operands();
        op.setCached(query, context, batch, kvHeads, length, capacity, keyDim, valueDim, keys, values, causal);
        workspace.fused().attend(backend, Float.isNaN(scale) ? (float) (1 / Math.sqrt(keyDim)) : scale, op, workspace,
                executor);
    }

    /** A view of the cached keys, {@code (B, Hkv, length, dk)} (valid until the next append or close). */
    public Tensor keys() {
        return Tensor.wrap(keys, DType.F32, batch, kvHeads, capacity, keyDim).slice(2, 0, length);
    }

    /** A view of the cached values, {@code (B, Hkv, length, dv)}. */
    public Tensor values() {
        return Tensor.wrap(values, DType.F32, batch, kvHeads, capacity, valueDim).slice(2, 0, length);
    }

    /** Frees the storage. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    private void requireOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("this KvCache is closed");
        }
    }

    /** Checks a {@code (B, Hkv, n, dim)} block; returns n. */
    private int checkBlock(String name, Tensor t, int dim, int n) {
        if (t == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (t.dtype() != DType.F32 || t.rank() != 4 || t.dim(0) != batch || t.dim(1) != kvHeads || t.dim(3) != dim
                || (n >= 0 && t.dim(2) != n) || (t.stride(3) != 1 && dim > 1) || t.dim(2) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be F32 (" + batch + ", " + kvHeads + ", "
                    + (n >= 0 ? n : "n") + ", "
                    + dim + ") with a contiguous last dimension, got " + t.dtype() + Arrays.toString(t.shape()));
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(name + ": the arena that owns this tensor is closed");
        }
        return (int) t.dim(2);
    }

    private void copyIn(Tensor src, MemorySegment dst, int dim, int n) {
        long rowBytes = (long) dim * Float.BYTES;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < kvHeads; h++) {
                long to = (((long) b * kvHeads + h) * capacity + length) * dim;
                for (int i = 0; i < n; i++) {
                    long from = src.offset() + b * src.stride(0) + h * src.stride(1) + i * src.stride(2);
                    MemorySegment.copy(src.segment(), from * Float.BYTES, dst, (to + (long) i * dim) * Float.BYTES,
                            rowBytes);
                }
            }
        }
    }
}
