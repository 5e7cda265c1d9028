package io.attn4j.attention;

/**
 * Block sizes of {@link FusedAttention}, derived from the cache sizes of the target core
 * (AMD Zen 4: L1d 32 KiB, L2 1 MiB per core), in rows (queries) and columns (keys) of a score tile.
 *
 * <ul>
 *   <li><b>Keys per block, {@code BK}.</b> Each tile's product packs its query block anew (the
 *       GEMM packs both operands on every call), {@code BQ * d} floats for {@code BQ * BK * d}
 *       multiply-adds, and each key block costs a rescale of the output rows, so the key block
 *       must be wide to amortize both, while the key and value blocks it streams stay in L2
 *       beside the rest: a quarter of L2 for them, {@code 4 * BK * (d + dv) <= 256 KiB}, so
 *       {@code BK = 65536 / (d + dv)} rounded down to a multiple of 32 (whole GEMM micro-tiles of
 *       {@code 2 * LANES} columns at every width), within [32, 512]: 512 for {@code d = dv = 64},
 *       256 for 128. The key and value blocks then overflow L1, but both steps walk them in
 *       address order, which the prefetcher streams from L2 (wider blocks measured faster up to
 *       512: {@code docs/performance-notes.md}). With at most {@link FusedAttention#DIRECT_SCORE_ROWS} queries (decoding),
 *       there is no GEMM and nothing to pack, and the block is {@link #DIRECT_KEY_BLOCK} keys:
 *       decoding reads every key and value from memory once, and each block switches the read
 *       from the key rows to the value rows and back, which costs bandwidth (wider blocks measured
 *       closer to the read roof up to 4096 keys: {@code docs/performance-notes.md}).</li>
 *   <li><b>Queries per block, {@code BQ}.</b> The query block {@code Q [BQ, d]}, its output
 *       accumulators {@code O [BQ, dv]} and the score tile {@code S [BQ, BK]} are reused by
 *       every key block, so they stay in L2 with the streaming K and V blocks, in half of it:
 *       {@code 4 * (BQ * (d + dv + BK) + BK * (d + dv)) <= 512 KiB}. That allows several hundred
 *       rows for common head sizes; {@code BQ} is then rounded down to a multiple of 48 (whole
 *       6-row GEMM micro-tiles, 4-row P V groups, 16-float cache lines) and capped at 96, the
 *       GEMM's MC, so that each tile's product packs its Q block once, and a head of 1024
 *       queries still yields 11 blocks for the threads. Past 96 rows, bigger blocks would only
 *       save re-reading K and V from L2/L3, a small share of the time.</li>
 *   <li><b>Keys per split, {@link #splitKeys}.</b> When all queries of a head fit one block
 *       (decoding, short queries), the keys are split into chunks of at least 1024 keys (whole
 *       key blocks: 2048 when decoding), each chunk's partial softmax state computed as its own
 *       work item and the partials merged in chunk order. Whether and where to split depends on the shape alone,
 *       never on the thread count, so results are bit-identical for any executor.</li>
 * </ul>
 */
final class TileBlocking {
    static final int L2_BYTES = 1024 * 1024;
    /** The GEMM's MC: rows of one packed A block. */
    static final int MAX_QUERY_BLOCK = 96;
    /** Largest key block of a query block. */
    static final int MAX_KEY_BLOCK = 512;
    /** Key block of a few queries (decoding), scored straight from the keys. */
    static final int DIRECT_KEY_BLOCK = 2048;
    /** Smallest chunk of keys split off as a work item. */
    static final int MIN_SPLIT_KEYS = 1024;

    private TileBlocking() {
    }

    /** Keys per block for {@code d} key features, {@code dv} value features and {@code tq} queries. */
    static int keyBlock(int d, int dv, int tq) {
        if (tq <= FusedAttention.DIRECT_SCORE_ROWS) {
            return DIRECT_KEY_BLOCK;
        }
        int bk = L2_BYTES / 4 / Float.BYTES / Math.max(d + dv, 1);
        return Math.clamp(bk / 32 * 32, 32, MAX_KEY_BLOCK);
    }

    /** Queries per block for {@code d} query features, {@code dv} value features and key blocks of {@code bk}. */
    static int queryBlock(int d, int dv, int bk) {
        long budget = L2_BYTES / 2 / Float.BYTES - (long) bk * (d + dv);
        long bq = budget / Math.max(1, d + dv + bk);
        return Math.clamp(bq / 48 * 48, 48, MAX_QUERY_BLOCK);
    }

    /**
     * Query blocks of {@code bq} rows for {@code tq} queries. A leftover of at most
     * {@link FusedAttention#DIRECT_SCORE_ROWS} rows joins the last full block instead of forming one of its own:
     * alone it would take the decoding path, whose direct dot products cost several times the
     * GEMM's per row, and a block one GEMM micro-tile longer still fits the budget.
     */
    static int queryBlocks(int tq, int bq) {
        return Math.max(1, (tq - FusedAttention.DIRECT_SCORE_ROWS + bq - 1) / bq);
    }

    /** Keys per split chunk: a whole number of key blocks, at least {@link #MIN_SPLIT_KEYS}. */
    static int splitKeys(int bk) {
        return (MIN_SPLIT_KEYS + bk - 1) / bk * bk;
    }
}
