package io.attn4j.attention;

/**
 * Block sizes of {@link FusedAttention}, derived from the cache sizes of the target core
 * (AMD Zen 4: L1d 32 KiB, L2 1 MiB per core), in rows (queries) and columns (keys) of a score tile.
 *
 * <ul>
 *   <li><b>Keys per block, {@code BK}.</b> The P V step walks every query row group of a tile
 *       over the whole value block {@code V [BK, dv]}, so that block must stay in L1 while it
 *       runs, next to the P rows and the accumulators being used: half of L1,
 *       {@code 4 * BK * dv <= 16 KiB}, so {@code BK = 4096 / dv} rounded down to a multiple of 32
 *       (whole GEMM micro-tiles of {@code 2 * LANES} columns at every width), within [32, 512]:
 *       64 for {@code dv = 64}, 32 for {@code dv = 128}. With at most {@link KeyScores#MAX_ROWS}
 *       queries (decoding), each value row is used once per block anyway, so the block is
 *       the largest, 512 keys, to spend less per block on calls and rescaling.</li>
 *   <li><b>Queries per block, {@code BQ}.</b> The query block {@code Q [BQ, d]}, its output
 *       accumulators {@code O [BQ, dv]} and the score tile {@code S [BQ, BK]} are reused by
 *       every key block, so they stay in L2 with the streaming K and V blocks, in half of it:
 *       {@code 4 * (BQ * (d + dv + BK) + BK * (d + dv)) <= 512 KiB}. That allows several hundred
 *       rows for common head sizes; {@code BQ} is then rounded down to a multiple of 48 (whole
 *       6-row GEMM micro-tiles, 4-row P V groups, 16-float cache lines) and capped at 96, the
 *       GEMM's MC, so that each tile's product packs its Q block once, and a head of 1024
 *       queries still yields 11 blocks for the threads. Past 96 rows, bigger blocks would only
 *       save re-reading K and V from L2/L3, under 2% of the time at d = 64.</li>
 *   <li><b>Keys per split, {@link #splitKeys}.</b> When all queries of a head fit one block
 *       (decoding, short queries), the keys are split into chunks of at least 1024 keys (whole
 *       key blocks), each chunk's partial softmax state computed as its own work item and the
 *       partials merged in chunk order. Whether and where to split depends on the shape alone,
 *       never on the thread count, so results are bit-identical for any executor.</li>
 * </ul>
 */
final class TileBlocking {
    static final int L1_BYTES = 32 * 1024;
    static final int L2_BYTES = 1024 * 1024;
    /** The GEMM's MC: rows of one packed A block. */
    static final int MAX_QUERY_BLOCK = 96;
    /** Largest key block. */
    static final int MAX_KEY_BLOCK = 512;
    /** Smallest chunk of keys split off as a work item. */
    static final int MIN_SPLIT_KEYS = 1024;

    private TileBlocking() {
    }

    /** Keys per block for values of {@code dv} features and {@code tq} queries. */
    static int keyBlock(int dv, int tq) {
        if (tq <= KeyScores.MAX_ROWS) {
            return MAX_KEY_BLOCK;
        }
        int bk = L1_BYTES / 2 / Float.BYTES / Math.max(dv, 1);
        return Math.clamp(bk / 32 * 32, 32, MAX_KEY_BLOCK);
    }

    /** Queries per block for {@code d} query features, {@code dv} value features and key blocks of {@code bk}. */
    static int queryBlock(int d, int dv, int bk) {
        long budget = L2_BYTES / 2 / Float.BYTES - (long) bk * (d + dv);
        long bq = budget / Math.max(1, d + dv + bk);
        return (int) Math.clamp(bq / 48 * 48, 48, MAX_QUERY_BLOCK);
    }

    /** Keys per split chunk: a whole number of key blocks, at least {@link #MIN_SPLIT_KEYS}. */
    static int splitKeys(int bk) {
        return (MIN_SPLIT_KEYS + bk - 1) / bk * bk;
    }
}
