package io.attn4j.attention;

import java.lang.foreign.MemorySegment;

/**
 * One (batch entry, head) attention problem as row-major matrices in segments: queries
 * {@code [tq, dq]}, keys {@code [tk, dk]}, values {@code [tk, dv]}, context {@code [tq, dv]} and,
 * when asked for, weights {@code [tq, tk]}. Offsets and leading dimensions are in floats. Mutable
 * and reused (one per {@link WorkerScratch}), so that binding a problem allocates nothing.
 */
final class HeadTask {
    int tq;
    int tk;
    int dq;
    int dk;
    int dv;
    MemorySegment q;
    long qOff;
    long ldq;
    MemorySegment k;
    long kOff;
    long ldk;
    MemorySegment v;
    long vOff;
    long ldv;
    MemorySegment out;
    long oOff;
    long ldo;
    /** Null when the weights are not asked for. */
    MemorySegment w;
    long wOff;
    long ldw;
    /** Which keys each query row may see. */
    final MaskView mask = new MaskView();
}
