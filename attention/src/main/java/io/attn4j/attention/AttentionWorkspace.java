package io.attn4j.attention;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Scratch memory for attention calls, allocated once and reused: one region shared by the whole
 * call (projections of multi-head attention, per-head weights before averaging, partial results
 * of split decoding) and one slot per worker thread (score tiles, mask rows, running softmax
 * state).
 *
 * <p>A call asks for the sizes it needs; the workspace reallocates a part only when a call needs
 * more than it holds, so repeated calls of the same or smaller shapes allocate nothing, on or off
 * the heap. Memory comes from shared {@link Arena}s (worker threads of the caller's executor use
 * the slots), owned by this object and freed by {@link #close()}.
 *
 * <p>Not thread-safe: one workspace serves one call at a time. Give each concurrent caller its
 * own workspace; the attention modules themselves (their weights) are shared freely.
 */
public final class AttentionWorkspace implements AutoCloseable {
    /** Every region starts on a cache line. */
    static final long ALIGN = 64;

    private Arena sharedArena;
    private MemorySegment shared = MemorySegment.NULL;
    private Arena slotArena;
    private WorkerScratch[] slots = new WorkerScratch[0];
    private long slotBytes;
    private boolean closed;
    private final AttentionOperands operands = new AttentionOperands();
    private ReferenceAttention reference;
    private FusedAttention fused;

    /** An empty workspace; it grows to what the first calls need. */
    public AttentionWorkspace() {
    }

    /** Off-heap bytes held now: the shared region plus every slot. */
    public long byteSize() {
        return shared.byteSize() + slotBytes * slots.length;
    }

    /**
     * The shared region, at least {@code bytes} long. Growing it loses its contents: ask once per
     * call, before using it. Slots are not affected.
     *
     * @throws IllegalStateException if the workspace is closed
     */
    MemorySegment shared(long bytes) {
        requireOpen();
        if (bytes > shared.byteSize()) {
            long size = roundUp(bytes);
            Arena fresh = Arena.ofShared();
            MemorySegment grown = fresh.allocate(size, ALIGN);
            if (sharedArena != null) {
                sharedArena.close();
            }
            sharedArena = fresh;
            shared = grown;
        }
        return shared;
    }

    /**
     * Makes room for {@code count} slots of {@code bytesPerSlot} each. Growing loses the slots'
     * contents (never the shared region's): ask once per call, before using {@link #slot(int)}.
     *
     * @throws IllegalStateException if the workspace is closed
     */
    void reserveScratch(int count, long bytesPerSlot) {
        requireOpen();
        int wantSlots = Math.max(count, slots.length);
        long wantBytes = roundUp(Math.max(bytesPerSlot, slotBytes));
        if (wantSlots == slots.length && wantBytes == slotBytes && slotArena != null) {
            return;
        }
        Arena fresh = Arena.ofShared();
        WorkerScratch[] grown = new WorkerScratch[wantSlots];
        for (int i = 0; i < wantSlots; i++) {
            grown[i] = new WorkerScratch(fresh.allocate(Math.max(wantBytes, ALIGN), ALIGN).asSlice(0, wantBytes));
        }
        if (slotArena != null) {
            slotArena.close();
        }
        slotArena = fresh;
        slots = grown;
        slotBytes = wantBytes;
    }

    /** Worker {@code i}'s scratch from the last {@link #reserveScratch}. */
    WorkerScratch slot(int i) {
        return slots[i];
    }

    /** The operand holder of this workspace's calls. */
    AttentionOperands operands() {
        return operands;
    }

    /** The reference runner of this workspace's calls. */
    ReferenceAttention reference() {
        if (reference == null) {
            reference = new ReferenceAttention();
        }
        return reference;
    }

    /** The fused runner of this workspace's calls. */
    FusedAttention fused() {
        if (fused == null) {
            fused = new FusedAttention();
        }
        return fused;
    }

    /** Frees the memory. Further calls with this workspace throw {@link IllegalStateException}. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (sharedArena != null) {
            sharedArena.close();
        }
        if (slotArena != null) {
            slotArena.close();
        }
        shared = MemorySegment.NULL;
        slots = new WorkerScratch[0];
        slotBytes = 0;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the attention workspace is closed");
        }
    }

    /** {@code bytes} rounded up to whole cache lines. */
    static long roundUp(long bytes) {
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }
}
