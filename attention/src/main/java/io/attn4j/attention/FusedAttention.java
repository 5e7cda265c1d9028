package io.attn4j.attention;

import io.attn4j.engine.internal.AttentionTiles;
import io.attn4j.engine.internal.Backend;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * Fused tiled attention for dot-product scores ({@code s = scale * q . k}): the {@code Tq x Tk}
 * score matrix never exists. For each (batch entry, head, block of BQ queries):
 * <pre>
 *   m = -inf, l = 0, O [BQ, dv] = 0,  Q_blk packed once
 *   for each key block [j0, j0 + BK) that some row of the block may see:
 *     S [BQ, BK] = scale * Q_blk K_blk^T, and each row's max over the block    (the tiles' scoreTile;
 *                                                            the tiles' direct scores for at most 4 queries)
 *     S[r, c] = -inf where masked, + additive mask          (element-wise mask parts only)
 *     per row: m' = max(m, max S), P = exp(S - m'), l = e^(m - m') l + sum P   (the tiles' softmaxUpdate)
 *     O = e^(m - m') O + P V_blk                            (the tiles' accumulatePacked)
 *   context rows = O / l   (0 where l = 0: every key excluded)
 * </pre>
 * The keys and values of a head are packed once per worker ({@link AttentionTiles#packKeys},
 * {@link AttentionTiles#packValues}) when each is at most {@link #PACKED_HEAD_FLOATS} floats, for
 * all its query blocks; a longer head packs each tile's key and value blocks, so that scratch
 * stays O(BQ (BK + d + dv)) whatever T. A block of at most {@link #DIRECT_SCORE_ROWS} queries
 * (decoding) packs nothing: each key is read once, straight from the caller's memory. Block sizes
 * come from {@link TileBlocking}. Key blocks above the causal diagonal or past the key length are
 * never visited, the rows of a diagonal block above it are left out of its product, and with
 * element-wise masks a tile whose every score is masked is skipped.
 *
 * <p>When a head's queries fit one block, its keys are split into chunks ({@link TileBlocking#splitKeys})
 * computed as separate work items; each leaves its partial {@code (m, l, O)} in the workspace and
 * a second pass merges them in chunk order: {@code m = max m_s}, {@code l = sum e^(m_s - m) l_s},
 * {@code O = sum e^(m_s - m) O_s}. Work items depend on the shape only: bit-identical results for
 * any thread count.
 *
 * <p>Error, against the same attention in double: scores carry the dot-product bound
 * {@code Δ = (d + 2) eps |scale| max_j sum_c |q_c k_jc|} (plus {@code eps |a|} from an additive
 * mask); each weight is then within {@code e^(±2Δ)} plus a few exp ulps of the exact one (or 0
 * below {@code 2^-126} of the row's largest), and each context element within
 * {@code (e^(2Δ) - 1 + (3 Tk + 16) eps) sum_j w_j |v_j|}, plus {@code (ln Tk + 1) eps max_j |v_j|}
 * from subtracting the running max (see the property tests).
 */
final class FusedAttention implements Workers.Body {
    /** Up to this many query rows of a block are scored by direct dot products, with nothing packed. */
    static final int DIRECT_SCORE_ROWS = 4;

    /**
     * Largest head, {@code dk * tk} key floats and {@code dv * tk} value floats, packed once per
     * worker for all its query blocks (4 MiB each). Longer heads pack every tile's blocks again
     * for each query block.
     */
    static final long PACKED_HEAD_FLOATS = 1L << 20;

    private AttentionTiles tiles;
    private AttentionOperands op;
    private float scale;
    private int bq;
    private int bk;
    private int queryBlocks;
    /** Rows of the largest query block: {@code bq}, or the last block with the leftover rows it took in. */
    private int maxRows;
    private int chunks;
    private int chunkKeys;
    /** Whether blocks have at most {@link #DIRECT_SCORE_ROWS} rows: scores straight from the keys, nothing packed. */
    private boolean direct;
    /** Whether each worker packs a head's keys and values once, for all its query blocks. */
    private boolean packedHeads;
    /** Row stride of the output accumulators: dv rounded up to the tiles' value quantum. */
    private int accLd;
    /** Partial states [B*H][chunks][maxRows][2 + dv] in the shared region, when split. */
    private MemorySegment partials;
    private boolean merging;
    /** Which call this is, so that a slot knows whose packed keys it holds. */
    private long call;

    /** Runs a checked call with scores {@code scale * q . k} on {@code backend}. */
    void attend(Backend backend, float scale, AttentionOperands op, AttentionWorkspace workspace, Executor executor) {
        this.tiles = backend.tiles();
        this.op = op;
        this.scale = scale;
        bk = TileBlocking.keyBlock(op.dk, op.dv, op.tq);
        bq = TileBlocking.queryBlock(op.dq, op.dv, bk);
        queryBlocks = TileBlocking.queryBlocks(op.tq, bq);
        maxRows = Math.min(op.tq, bq + DIRECT_SCORE_ROWS);
        chunkKeys = TileBlocking.splitKeys(bk);
        chunks = queryBlocks == 1 && op.tk > chunkKeys ? (op.tk + chunkKeys - 1) / chunkKeys : 1;
        direct = maxRows <= DIRECT_SCORE_ROWS;
        accLd = roundUp(op.dv, tiles.valueQuantum());
        packedHeads = !direct && queryBlocks > 1 && (long) op.dk * op.tk <= PACKED_HEAD_FLOATS
                && (long) accLd * op.tk <= PACKED_HEAD_FLOATS;
        call++;
        int heads = op.batch * op.heads;
        partials = chunks > 1 ? workspace.shared((long) heads * chunks * maxRows * (2 + op.dv) * Float.BYTES) : null;
        int items = heads * queryBlocks * chunks;
        int workers = Workers.count(executor, items, op);
        workspace.reserveScratch(workers, 0);
        merging = false;
        Workers.run(executor, workers, items, workspace, this);
        if (chunks > 1) {
            merging = true;
            Workers.run(executor, Math.min(workers, heads), heads, workspace, this);
        }
        this.op = null;
        this.partials = null;
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** Grows the slot's arrays to this call's sizes. */
    private void ensureScratch(WorkerScratch slot) {
        int padded = maxRows + tiles.rowGroup();
        slot.ensureRows(padded, tiles.scratchFloats());
        int keys = 0, values = 0;
        if (!direct) {
            int packedKeys = packedHeads ? op.tk : bk;
            keys = roundUp(packedKeys, tiles.keyQuantum()) * op.dk;
            values = accLd * packedKeys;
        }
        slot.ensureTiles(padded * bk, direct ? 0 : padded * op.dq, maxRows * accLd, keys, values);
    }

    @Override
    public void run(int item, WorkerScratch slot) {
        if (merging) {
            op.bind(slot.task, item / op.heads, item % op.heads);
            slot.ensureRows(1, tiles.scratchFloats());
            slot.ensureTiles(0, 0, accLd, 0, 0);
            merge(slot, item);
            return;
        }
        int chunk = item % chunks, rest = item / chunks;
        int qb = rest % queryBlocks, bh = rest / queryBlocks;
        HeadTask t = slot.task;
        op.bind(t, bh / op.heads, bh % op.heads);
        ensureScratch(slot);
        if (packedHeads && (slot.packedCall != call || slot.packedHead != bh)) {
            tiles.packKeys(t.tk, t.dk, t.k, t.kOff, t.ldk, slot.keys, 0);
            tiles.packValues(t.tk, t.dv, t.v, t.vOff, t.ldv, slot.values, 0);
            slot.packedCall = call;
            slot.packedHead = bh;
        }
        int i0 = qb * bq, rows = qb == queryBlocks - 1 ? t.tq - i0 : bq;
        // keys [0, hi) are all that any row of the block may see: row limits grow with the row
        int hi = t.mask.rowLimit(i0 + rows - 1);
        int from = chunk * chunkKeys, to = chunks == 1 ? hi : Math.min(hi, from + chunkKeys);
        Arrays.fill(slot.rowMax, 0, rows, Float.NEGATIVE_INFINITY);
        Arrays.fill(slot.rowSum, 0, rows, 0f);
        Arrays.fill(slot.acc, 0, rows * accLd, 0f);
        if (!direct) {
            // Q [i0 .., dq] once for all key blocks (in one copy when its rows are contiguous); zero
            // rows up to the tiles' row group
            if (t.ldq == t.dq) {
                MemorySegment.copy(t.q, ValueLayout.JAVA_FLOAT_UNALIGNED, (t.qOff + i0 * t.ldq) * Float.BYTES,
                        slot.query, 0, rows * t.dq);
            } else {
                for (int r = 0; r < rows; r++) {
                    MemorySegment.copy(t.q, ValueLayout.JAVA_FLOAT_UNALIGNED,
                            (t.qOff + (i0 + r) * t.ldq) * Float.BYTES, slot.query, r * t.dq, t.dq);
                }
            }
            Arrays.fill(slot.query, rows * t.dq, (rows + tiles.rowGroup()) * t.dq, 0f);
        }
        for (int j0 = from; j0 < to; j0 += bk) {
            keyBlock(slot, i0, rows, j0, Math.min(bk, to - j0));
        }
        if (chunks == 1) {
            finish(slot, i0, rows);
        } else {
            savePartial(slot, bh, chunk, rows);
        }
    }

    /** One tile: queries [i0, i0 + rows) against keys [j0, j0 + n). */
    private void keyBlock(WorkerScratch slot, int i0, int rows, int j0, int n) {
        HeadTask t = slot.task;
        MaskView m = t.mask;
        // rows above the causal diagonal see none of these keys: row i sees j <= i + offset
        int first = m.causal ? Math.clamp(j0 - m.causalOffset - i0, 0, rows) : 0;
        if (first == rows || m.isElementwise() && allMasked(m, i0, first, rows, j0, n)) {
            return;
        }
        int count = rows - first, tile = first * bk;
        float[] s = slot.tile;
        // S [count, n] = scale * Q [i0 + first .., d] K [j0 .., d]^T
        if (direct) {
            tiles.scores(count, n, t.dk, scale, t.q, t.qOff + (i0 + first) * t.ldq, t.ldq, t.k, t.kOff + j0 * t.ldk,
                    t.ldk, s, tile, bk, slot.lanes);
        } else {
            int kp = 0;
            if (packedHeads) {
                kp = j0 * t.dk; // j0 is a multiple of the key quantum: whole slivers of dk rows
            } else {
                tiles.packKeys(n, t.dk, t.k, t.kOff + j0 * t.ldk, t.ldk, slot.keys, 0);
            }
            tiles.scoreTile(count, n, t.dk, scale, slot.query, first * t.dq, t.dq, slot.keys, kp, s, tile, bk,
                    slot.blockMax, first);
        }
        for (int r = first; r < rows; r++) {
            int i = i0 + r;
            int lim = Math.min(n, m.rowLimit(i) - j0);
            float known = direct || lim < n ? Float.NaN : slot.blockMax[r];
            if (m.isElementwise()) {
                applyMask(m, s, r * bk, i, j0, lim);
                known = Float.NaN;
            }
            tiles.softmaxUpdate(s, r * bk, lim, n, slot.rowMax, slot.rowSum, slot.rowScale, r, known, slot.lanes);
        }
        // O [first.., dv] = alpha O + P V [j0 .., dv]
        if (direct) {
            tiles.accumulate(count, n, t.dv, slot.rowScale, first, s, tile, bk, t.v, t.vOff + j0 * t.ldv, t.ldv,
                    slot.acc, first * accLd, accLd);
        } else {
            int vp = 0, stride = n * tiles.valueQuantum();
            if (packedHeads) {
                vp = j0 * tiles.valueQuantum();
                stride = t.tk * tiles.valueQuantum();
            } else {
                tiles.packValues(n, t.dv, t.v, t.vOff + j0 * t.ldv, t.ldv, slot.values, 0);
            }
            tiles.accumulatePacked(count, n, t.dv, slot.rowScale, first, s, tile, bk, slot.values, vp, stride, slot.acc,
                    first * accLd, accLd, m.isElementwise());
        }
    }

    /** True when every score the rows [first, rows) may see in keys [j0, j0 + n) is masked element-wise. */
    private static boolean allMasked(MaskView m, int i0, int first, int rows, int j0, int n) {
        for (int r = first; r < rows; r++) {
            int i = i0 + r, lim = Math.min(n, m.rowLimit(i) - j0);
            for (int c = 0; c < lim; c++) {
                if (!m.maskedAt(i, j0 + c) && (m.add == null || m.additiveAt(i, j0 + c) != Float.NEGATIVE_INFINITY)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Row i's scores over keys [j0, j0 + lim): -inf where masked, plus the additive mask. */
    private static void applyMask(MaskView m, float[] s, int row, int i, int j0, int lim) {
        for (int c = 0; c < lim; c++) {
            int j = j0 + c;
            float a = m.add == null ? 0f : m.additiveAt(i, j);
            if (m.maskedAt(i, j) || a == Float.NEGATIVE_INFINITY) {
                s[row + c] = Float.NEGATIVE_INFINITY;
            } else if (m.add != null) {
                s[row + c] += a;
            }
        }
    }

    /** context [i0 + r, :] = O [r, :] / l[r], or zeros where l = 0. */
    private void finish(WorkerScratch slot, int i0, int rows) {
        HeadTask t = slot.task;
        for (int r = 0; r < rows; r++) {
            float l = slot.rowSum[r];
            long dst = t.oOff + (i0 + r) * t.ldo;
            if (l == 0f) {
                ZeroFill.rows(t.out, dst, 1, t.dv, 1);
            } else {
                tiles.scaleInto(slot.acc, r * accLd, 1f / l, t.out, dst, t.dv);
            }
        }
    }

    /** Writes rows' (m, l, O) as chunk {@code chunk} of head {@code bh}. */
    private void savePartial(WorkerScratch slot, int bh, int chunk, int rows) {
        int dv = slot.task.dv;
        for (int r = 0; r < rows; r++) {
            long at = partialRow(bh, chunk, r, dv);
            partials.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at, slot.rowMax[r]);
            partials.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at + 1, slot.rowSum[r]);
            MemorySegment.copy(slot.acc, r * accLd, partials, ValueLayout.JAVA_FLOAT_UNALIGNED, (at + 2) * Float.BYTES,
                    dv);
        }
    }

    /** Merges the chunk partials of head {@code bh} in chunk order into its context rows. */
    private void merge(WorkerScratch slot, int bh) {
        HeadTask t = slot.task;
        int dv = t.dv;
        float[] o = slot.acc;
        for (int r = 0; r < t.tq; r++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < chunks; s++) {
                m = Math.max(m, partials.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, partialRow(bh, s, r, dv)));
            }
            long dst = t.oOff + r * t.ldo;
            if (m == Float.NEGATIVE_INFINITY) {
                ZeroFill.rows(t.out, dst, 1, dv, 1);
                continue;
            }
            // l = sum_s e^(m_s - m) l_s and O = sum_s e^(m_s - m) O_s, in chunk order
            float l = 0f;
            Arrays.fill(o, 0, dv, 0f);
            for (int s = 0; s < chunks; s++) {
                long at = partialRow(bh, s, r, dv);
                float ms = partials.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at);
                if (ms == Float.NEGATIVE_INFINITY) {
                    continue;
                }
                float f = (float) Math.exp(ms - m);
                l += f * partials.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at + 1);
                for (int c = 0; c < dv; c++) {
                    o[c] = Math.fma(f, partials.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at + 2 + c), o[c]);
                }
            }
            tiles.scaleInto(o, 0, 1f / l, t.out, dst, dv);
        }
    }

    private long partialRow(int bh, int chunk, int r, int dv) {
        return (((long) bh * chunks + chunk) * maxRows + r) * (2 + dv);
    }
}
