package io.attn4j.model.graph;

import io.attn4j.attention.AttentionWorkspace;

/**
 * An upper bound on the off-heap bytes an {@link AttentionWorkspace} grows to when a graph node
 * attends with it, on one worker (the nodes call the attention without an executor), for queries
 * and keys of at most {@code maxSeq} steps. The workspace grows to what the largest call so far
 * needed, so no exact figure exists ahead; the bound is the larger call's sum of:
 * <ul>
 *   <li>the reference attention's slot: the scores {@code tq x tk}, a mask row, the mean
 *       pooling's ones and mean weights ({@code tq}, {@code tk}), the score function's scratch
 *       (at most general's {@code tq d}, cosine's {@code (tq + tk) d} or additive's
 *       {@code (tq + tk) d + d}, d the widest of the query's and key's features), and two byte
 *       rows of {@code tk}; each rounded up to a cache line;</li>
 *   <li>the fused attention's shared region: its chunk partials when one query block of at most
 *       100 rows meets more than 1024 keys, {@code heads ceil(tk / 1024) rows (2 + dv)}.</li>
 * </ul>
 * {@code GraphSessionMemoryTest} checks the bound against what sessions hold after their largest calls.
 */
final class AttentionScratch {
    private static final long LINE = 64;
    /** The fused attention's largest query block (96) plus the leftover rows it may take in (4). */
    private static final long FUSED_ROWS = 100;
    /** The fewest keys per chunk when the fused attention splits a head's keys. */
    private static final long SPLIT_KEYS = 1024;

    private AttentionScratch() {
    }

    /**
     * @param heads the problems per call: batch x heads
     * @param d the widest of the query's and the key's features
     */
    static long bound(long heads, long maxSeq, long d, long dv) {
        long tq = maxSeq, tk = maxSeq;
        long scratch = align(tq * d) + align(tk * d) + d;
        long reference = line(4 * (align(tq * tk) + align(tk) + align(scratch) + align(tq) + align(tk)) + 2 * line(tk));
        long chunks = tk > SPLIT_KEYS ? (tk + SPLIT_KEYS - 1) / SPLIT_KEYS : 0;
        long partials = line(Math.multiplyExact(heads * chunks * Math.min(tq, FUSED_ROWS), (2 + dv) * Float.BYTES));
        return Math.addExact(reference, partials);
    }

    private static long align(long floats) {
        return (floats + 15) / 16 * 16;
    }

    private static long line(long bytes) {
        return (bytes + LINE - 1) / LINE * LINE;
    }
}
