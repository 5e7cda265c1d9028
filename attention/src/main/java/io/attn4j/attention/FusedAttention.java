package io.attn4j.attention;

import io.attn4j.engine.internal.AttentionTiles;
import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * Fused tiled attention for dot-product scores ({@code s = scale * q . k}): the {@code Tq x Tk}
 * score matrix never exists. For each (batch entry, head, block of BQ queries):
 * <pre>
 *   m = -inf, l = 0, O [BQ, dv] = 0
 *   for each key block [j0, j0 + BK) that some row of the block may see:
 *     S [BQ, BK] = scale * Q_blk K_blk^T                    (Kernels.gemm into the slot's tile;
 *                                                            the tiles' direct scores for at most 4 rows)
 *     S[r, c] = -inf where masked, + additive mask          (element-wise mask parts only)
 *     per row: m' = max(m, max S), P = exp(S - m'), l = e^(m - m') l + sum P   (the tiles' softmaxUpdate)
 *     O = e^(m - m') O + P V_blk                            (the tiles' accumulate)
 *   context rows = O / l   (0 where l = 0: every key excluded)
 * </pre>
 * Memory: one score tile and one accumulator block per worker ({@code 4 * BQ * (BK + dv)} bytes),
 * whatever T, plus a transposed copy of one head's keys when it is at most 4 MiB
 * ({@link #KEYS_T_FLOATS}); block sizes from {@link TileBlocking}. Key blocks above the causal
 * diagonal or past the key length are never visited, the rows of a diagonal block above it are left out of its
 * product, and with element-wise masks a tile whose every score is masked is skipped.
 *
 * <p>When a head's queries fit one block, its keys are split into chunks ({@link TileBlocking#splitKeys})
 * computed as separate work items; each leaves its partial {@code (m, l, O)} in the workspace and
 * a second pass merges them in chunk order: {@code m = max m_s}, {@code l = sum e^(m_s - m) l_s},
 * {@code O = sum e^(m_s - m) O_s}. Work items depend on the shape only: bit-identical results for
 * any thread count.
 *
 * <p>Error, against the same attention in double: scores carry the GEMM bound
 * {@code Δ = (d + 2) eps |scale| max_j sum_c |q_c k_jc|} (plus {@code eps |a|} from an additive
 * mask); each weight is then within {@code e^(±2Δ)} plus a few exp ulps of the exact one, and
 * each context element within {@code (e^(2Δ) - 1 + (3 Tk + 16) eps) sum_j w_j |v_j|}, plus
 * {@code (ln Tk + 1) eps max_j |v_j|} from subtracting the running max (see the property tests).
 */
final class FusedAttention implements Workers.Body {
    /** Up to this many query rows of a tile are scored by direct dot products instead of the GEMM. */
    static final int DIRECT_SCORE_ROWS = 4;

    private Kernels kernels;
    private AttentionTiles tiles;
    private Operands op;
    private float scale;
    private int bq;
    private int bk;
    private int queryBlocks;
    /** Rows of the largest query block: {@code bq}, or the last block with the leftover rows it took in. */
    private int maxRows;
    private int chunks;
    private int chunkKeys;
    /** Float offsets in a slot: the score tile [maxRows, bk] and the accumulators [maxRows, dv]. */
    private long tileOff;
    private long accOff;
    /** Partial states [B*H][chunks][maxRows][2 + dv] in the shared region, when split. */
    private MemorySegment partials;
    private boolean merging;
    /**
     * Whether each worker transposes a head's keys once, {@code K^T [dk, tk]} at float offset
     * {@link #keysTOff} of its slot, for the products of all its query blocks (see
     * {@link #KEYS_T_FLOATS}); which call this is, so that a slot knows whose keys it holds.
     */
    private boolean keysOnce;
    private long keysTOff;
    private long call;

    /**
     * Largest {@code dk * tk} transposed once per head (4 MiB of slot). Each tile's product
     * otherwise transposes its key block as it packs it, again for every query block: at T = 2048,
     * d = 64, 22 times per key; from the transposed copy the packing is a row copy. Longer heads
     * keep the per-tile packing, so that scratch stays O(BQ (BK + dv)) whatever T.
     */
    static final long KEYS_T_FLOATS = 1L << 20;

    /** Runs a checked call with scores {@code scale * q . k} on {@code backend}. */
    void attend(Backend backend, float scale, Operands op, AttentionWorkspace workspace, Executor executor) {
        this.kernels = backend.kernels();
        this.tiles = backend.tiles();
        this.op = op;
        this.scale = scale;
        bk = TileBlocking.keyBlock(op.dk, op.dv, op.tq);
        bq = TileBlocking.queryBlock(op.dq, op.dv, bk);
        queryBlocks = TileBlocking.queryBlocks(op.tq, bq);
        maxRows = Math.min(op.tq, bq + DIRECT_SCORE_ROWS);
        chunkKeys = TileBlocking.splitKeys(bk);
        chunks = queryBlocks == 1 && op.tk > chunkKeys ? (op.tk + chunkKeys - 1) / chunkKeys : 1;
        tileOff = 0;
        accOff = ScoreFunction.alignFloats((long) maxRows * bk);
        keysTOff = accOff + ScoreFunction.alignFloats((long) maxRows * op.dv);
        keysOnce = queryBlocks > 1 && (long) op.dk * op.tk <= KEYS_T_FLOATS;
        call++;
        long slotBytes = (keysTOff + (keysOnce ? ScoreFunction.alignFloats((long) op.dk * op.tk) : 0)) * Float.BYTES;
        int heads = op.batch * op.heads;
        partials = chunks > 1 ? workspace.shared((long) heads * chunks * maxRows * (2 + op.dv) * Float.BYTES) : null;
        int items = heads * queryBlocks * chunks;
        int workers = Workers.count(executor, items, op);
        workspace.reserveSlots(workers, slotBytes);
        merging = false;
        Workers.run(executor, workers, items, workspace, this);
        if (chunks > 1) {
            merging = true;
            Workers.run(executor, Math.min(workers, heads), heads, workspace, this);
        }
        this.op = null;
        this.partials = null;
    }

    @Override
    public void run(int item, Slot slot) {
        if (merging) {
            op.bind(slot.task, item / op.heads, item % op.heads);
            merge(slot, item);
            return;
        }
        int chunk = item % chunks, rest = item / chunks;
        int qb = rest % queryBlocks, bh = rest / queryBlocks;
        HeadTask t = slot.task;
        op.bind(t, bh / op.heads, bh % op.heads);
        if (keysOnce && (slot.keysCall != call || slot.keysHead != bh)) {
            transposeKeys(t, slot.mem);
            slot.keysCall = call;
            slot.keysHead = bh;
        }
        int i0 = qb * bq, rows = qb == queryBlocks - 1 ? t.tq - i0 : bq;
        // keys [0, hi) are all that any row of the block may see: row limits grow with the row
        int hi = t.mask.rowLimit(i0 + rows - 1);
        int from = chunk * chunkKeys, to = chunks == 1 ? hi : Math.min(hi, from + chunkKeys);
        slot.ensureRows(maxRows, tiles.scratchFloats());
        Arrays.fill(slot.rowMax, 0, rows, Float.NEGATIVE_INFINITY);
        Arrays.fill(slot.rowSum, 0, rows, 0f);
        Zero.rows(slot.mem, accOff, rows, t.dv, t.dv);
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
    private void keyBlock(Slot slot, int i0, int rows, int j0, int n) {
        HeadTask t = slot.task;
        MaskView m = t.mask;
        MemorySegment mem = slot.mem;
        // rows above the causal diagonal see none of these keys: row i sees j <= i + offset
        int first = m.causal ? Math.clamp(j0 - m.causalOffset - i0, 0, rows) : 0;
        if (first == rows || m.isElementwise() && allMasked(m, i0, first, rows, j0, n)) {
            return;
        }
        int count = rows - first;
        long tile = tileOff + (long) first * bk;
        // S [count, n] = scale * Q [i0 + first .., d] K [j0 .., d]^T: direct dots for a few rows, else the GEMM
        if (count <= DIRECT_SCORE_ROWS) {
            tiles.scores(count, n, t.dk, scale, t.q, t.qOff + (i0 + first) * t.ldq, t.ldq, t.k, t.kOff + j0 * t.ldk,
                    t.ldk,
                    mem, tile, bk, slot.lanes);
        } else if (keysOnce) {
            kernels.gemm(Transpose.NO, Transpose.NO, count, n, t.dk, scale, t.q, t.qOff + (i0 + first) * t.ldq, t.ldq,
                    mem, keysTOff + j0, t.tk, 0f, mem, tile, bk);
        } else {
            kernels.gemm(Transpose.NO, Transpose.YES, count, n, t.dk, scale, t.q, t.qOff + (i0 + first) * t.ldq, t.ldq,
                    t.k, t.kOff + j0 * t.ldk, t.ldk, 0f, mem, tile, bk);
        }
        for (int r = first; r < rows; r++) {
            int i = i0 + r;
            int lim = Math.min(n, m.rowLimit(i) - j0);
            long row = tileOff + (long) r * bk;
            if (m.isElementwise()) {
                applyMask(m, mem, row, i, j0, lim);
            }
            tiles.softmaxUpdate(mem, row, lim, n, slot.rowMax, slot.rowSum, slot.rowScale, r, slot.lanes);
        }
        // O [first.., dv] = alpha O + P V [j0 .., dv]
        tiles.accumulate(count, n, t.dv, slot.rowScale, first, mem, tile, bk,
                t.v, t.vOff + j0 * t.ldv, t.ldv, mem, accOff + (long) first * t.dv, t.dv);
    }

    /**
     * {@code K^T [dk, tk]} of the bound head into {@code mem} at {@link #keysTOff} (row stride
     * {@code tk}): eight key rows read side by side, each in address order, so that each feature
     * lands as eight adjacent floats. The GEMM packs the same numbers from it as from K, so the
     * scores keep their bits.
     */
    private void transposeKeys(HeadTask t, MemorySegment mem) {
        int tk = t.tk, dk = t.dk, j = 0;
        for (; j + 8 <= tk; j += 8) {
            long r0 = t.kOff + j * t.ldk;
            for (int c = 0; c < dk; c++) {
                long dst = keysTOff + (long) c * tk + j, src = r0 + c;
                for (int r = 0; r < 8; r++) {
                    mem.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, dst + r,
                            t.k.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, src + r * t.ldk));
                }
            }
        }
        for (; j < tk; j++) {
            for (int c = 0; c < dk; c++) {
                mem.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, keysTOff + (long) c * tk + j,
                        t.k.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, t.kOff + j * t.ldk + c));
            }
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
    private static void applyMask(MaskView m, MemorySegment mem, long row, int i, int j0, int lim) {
        for (int c = 0; c < lim; c++) {
            int j = j0 + c;
            float a = m.add == null ? 0f : m.additiveAt(i, j);
            if (m.maskedAt(i, j) || a == Float.NEGATIVE_INFINITY) {
                mem.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, row + c, Float.NEGATIVE_INFINITY);
            } else if (m.add != null) {
                mem.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, row + c,
                        mem.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, row + c) + a);
            }
        }
    }

    /** context [i0 + r, :] = O [r, :] / l[r], or zeros where l = 0. */
    private void finish(Slot slot, int i0, int rows) {
        HeadTask t = slot.task;
        for (int r = 0; r < rows; r++) {
            float l = slot.rowSum[r];
            long dst = t.oOff + (i0 + r) * t.ldo;
            if (l == 0f) {
                Zero.rows(t.out, dst, 1, t.dv, 1);
            } else {
                tiles.scaleInto(slot.mem, accOff + (long) r * t.dv, 1f / l, t.out, dst, t.dv);
            }
        }
    }

    /** Writes rows' (m, l, O) as chunk {@code chunk} of head {@code bh}. */
    private void savePartial(Slot slot, int bh, int chunk, int rows) {
        int dv = slot.task.dv;
        for (int r = 0; r < rows; r++) {
            long at = partialRow(bh, chunk, r, dv);
            partials.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at, slot.rowMax[r]);
            partials.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at + 1, slot.rowSum[r]);
            MemorySegment.copy(slot.mem, (accOff + (long) r * dv) * Float.BYTES, partials, (at + 2) * Float.BYTES,
                    (long) dv * Float.BYTES);
        }
    }

    /** Merges the chunk partials of head {@code bh} in chunk order into its context rows. */
    private void merge(Slot slot, int bh) {
        HeadTask t = slot.task;
        int dv = t.dv;
        MemorySegment mem = slot.mem;
        for (int r = 0; r < t.tq; r++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < chunks; s++) {
                m = Math.max(m, partials.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, partialRow(bh, s, r, dv)));
            }
            long dst = t.oOff + r * t.ldo;
            if (m == Float.NEGATIVE_INFINITY) {
                Zero.rows(t.out, dst, 1, dv, 1);
                continue;
            }
            // l = sum_s e^(m_s - m) l_s and O = sum_s e^(m_s - m) O_s, in chunk order
            float l = 0f;
            Zero.rows(mem, accOff, 1, dv, dv);
            for (int s = 0; s < chunks; s++) {
                long at = partialRow(bh, s, r, dv);
                float ms = partials.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at);
                if (ms == Float.NEGATIVE_INFINITY) {
                    continue;
                }
                float f = (float) Math.exp(ms - m);
                l += f * partials.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at + 1);
                for (int c = 0; c < dv; c++) {
                    float o = mem.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, accOff + c);
                    mem.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, accOff + c,
                            Math.fma(f, partials.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at + 2 + c), o));
                }
            }
            tiles.scaleInto(mem, accOff, 1f / l, t.out, dst, dv);
        }
    }

    private long partialRow(int bh, int chunk, int r, int dv) {
        return (((long) bh * chunks + chunk) * maxRows + r) * (2 + dv);
    }
}
