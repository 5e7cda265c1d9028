package io.attn4j.attention;

import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.Executor;

/**
 * The reference attention: scores materialized, then a stable softmax per row, then weights times
 * values. For each (batch entry, head):
 * <pre>
 *   S [tq, tk] = score(Q, K)                         (the score function; into the weights output if asked for)
 *   W [i, :]   = softmaxRows(S [i, :], mask row i)   (Kernels.softmaxRows, row max subtracted)
 *   C [tq, dv] = W [tq, tk] V [tk, dv]               (Kernels.gemm, only over keys some row sees)
 * </pre>
 * Scratch per worker: {@code tq * tk} floats for S unless the weights are asked for, plus one row
 * of mask and the score function's scratch. One instance per workspace, reused by every call.
 *
 * <p>Error: the score function's bound {@code Δ} on each score moves each weight by a factor
 * within {@code e^(±2Δ)}, plus the softmax bound ({@code (tk + 4) eps} relative plus exp's ulps);
 * the context adds the GEMM bound {@code tk * eps * sum_j w_j |v_j|}.
 */
final class ReferenceAttention implements Workers.Body {
    private Kernels kernels;
    private ScoreFunction score;
    private AttentionOperands op;
    /** Float offsets of S, the additive mask row and the score scratch; byte offsets of the excluded row and live keys. */
    private long sOff;
    private long addRowOff;
    private long scratchOff;
    private long exRowByte;
    private long liveByte;
    /** Mean calls: float offsets of a row of ones and of the mean weights; whether this call is one. */
    private long onesOff;
    private long meanWeightsOff;
    private boolean mean;

    /** Runs a checked call; the workspace gets the slots it needs. */
    void attend(Backend backend, ScoreFunction score, AttentionOperands op, AttentionWorkspace workspace,
            Executor executor) {
        run(backend, score, op, workspace, executor, false);
    }

    /**
     * Runs a checked mean call ({@link AttentionOperands#setMean}): per (batch entry, head), the scores and
     * weights of the counted query rows only, then {@code w = (1/n) W^T 1} and {@code means = V^T w}.
     */
    void attendMean(Backend backend, ScoreFunction score, AttentionOperands op, AttentionWorkspace workspace,
            Executor executor) {
        run(backend, score, op, workspace, executor, true);
    }

    private void run(Backend backend, ScoreFunction score, AttentionOperands op, AttentionWorkspace workspace,
            Executor executor, boolean mean) {
        this.kernels = backend.kernels();
        this.score = score;
        this.op = op;
        this.mean = mean;
        long sFloats = op.w == null ? ScoreFunction.alignFloats((long) op.tq * op.tk) : 0;
        sOff = 0;
        addRowOff = sFloats;
        scratchOff = addRowOff + ScoreFunction.alignFloats(op.tk);
        onesOff = scratchOff + ScoreFunction.alignFloats(score.scratchFloats(op.tq, op.tk, op.dq, op.dk));
        meanWeightsOff = onesOff + (mean ? ScoreFunction.alignFloats(op.tq) : 0);
        long floats = meanWeightsOff + (mean ? ScoreFunction.alignFloats(op.tk) : 0);
        exRowByte = floats * Float.BYTES;
        liveByte = exRowByte + AttentionWorkspace.roundUp(op.tk);
        long bytes = liveByte + AttentionWorkspace.roundUp(op.tk);
        int items = op.batch * op.heads;
        int workers = Workers.count(executor, items, op);
        workspace.reserveScratch(workers, bytes);
        Workers.run(executor, workers, items, workspace, this);
        this.score = null;
        this.op = null;
    }

    @Override
    public void run(int item, WorkerScratch slot) {
        int b = item / op.heads;
        op.bind(slot.task, b, item % op.heads);
        if (mean) {
            meanHead(slot, op.queryCount(b));
        } else {
            head(slot);
        }
    }

    /** The mean of the first {@code n} context rows of the bound head into its one output row. */
    private void meanHead(WorkerScratch slot, int n) {
        HeadTask t = slot.task;
        MemorySegment mem = slot.mem;
        if (n == 0) {
            ZeroFill.rows(t.out, t.oOff, 1, t.dv, t.dv);
            return;
        }
        // only the counted rows are scored and normalized
        t.tq = n;
        score.scores(kernels, t, mem, sOff, t.tk, mem, scratchOff);
        int seen = normalizeRows(slot, mem, sOff, t.tk);
        if (seen == 0) {
            ZeroFill.rows(t.out, t.oOff, 1, t.dv, t.dv);
            return;
        }
        // w [seen] = (1/n) W [n, seen]^T 1
        for (int i = 0; i < n; i++) {
            mem.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, onesOff + i, 1f);
        }
        kernels.gemv(Transpose.YES, n, seen, 1f / n, mem, sOff, t.tk, mem, onesOff, 0f, mem, meanWeightsOff);
        // means = V [seen, dv]^T w, over runs of keys that some counted row sees (others may hold NaN)
        boolean elementwise = t.mask.excludes() && t.mask.isElementwise();
        boolean first = true;
        for (int j = 0; j < seen;) {
            if (elementwise && mem.get(ValueLayout.JAVA_BYTE, liveByte + j) == 0) {
                j++;
                continue;
            }
            int end = j + 1;
            while (end < seen && (!elementwise || mem.get(ValueLayout.JAVA_BYTE, liveByte + end) != 0)) {
                end++;
            }
            kernels.gemv(Transpose.YES, end - j, t.dv, 1f, t.v, t.vOff + j * t.ldv, t.ldv, mem, meanWeightsOff + j,
                    first ? 0f : 1f, t.out, t.oOff);
            first = false;
            j = end;
        }
        if (first) {
            ZeroFill.rows(t.out, t.oOff, 1, t.dv, t.dv);
        }
    }

    private void head(WorkerScratch slot) {
        HeadTask t = slot.task;
        MemorySegment mem = slot.mem;
        MemorySegment s = t.w != null ? t.w : mem;
        long s0 = t.w != null ? t.wOff : sOff;
        long lds = t.w != null ? t.ldw : t.tk;
        // S [tq, tk] = score(Q, K)
        score.scores(kernels, t, s, s0, lds, mem, scratchOff);
        // W [i, :] = softmax of row i over the keys it may see; returns one past the last key any row sees
        int seen = normalizeRows(slot, s, s0, lds);
        // C [tq, dv] = W [tq, tk] V [tk, dv], over runs of keys that some row sees
        MaskView m = t.mask;
        if (!m.excludes() || !m.isElementwise()) {
            multiplyRun(t, s, s0, lds, 0, seen, true);
            return;
        }
        boolean first = true;
        for (int j = 0; j < seen;) {
            if (mem.get(ValueLayout.JAVA_BYTE, liveByte + j) == 0) {
                j++;
                continue;
            }
            int end = j + 1;
            while (end < seen && mem.get(ValueLayout.JAVA_BYTE, liveByte + end) != 0) {
                end++;
            }
            multiplyRun(t, s, s0, lds, j, end, first);
            first = false;
            j = end;
        }
        if (first) {
            ZeroFill.rows(t.out, t.oOff, t.tq, t.dv, t.ldo);
        }
    }

    /**
     * Softmax of every row of S in place, with the mask: excluded keys get weight 0, penalized
     * ones their penalty added (keys past a key length are excluded even then). Returns one past the last key that some row sees; with element-wise
     * exclusions, marks the keys some row sees in the live bytes.
     */
    private int normalizeRows(WorkerScratch slot, MemorySegment s, long s0, long lds) {
        HeadTask t = slot.task;
        MaskView m = t.mask;
        MemorySegment mem = slot.mem;
        int tk = t.tk;
        if (!m.excludes()) {
            // key lengths stay structural: keys past a length are excluded (weight 0, never read);
            // the other parts add the penalty
            int limit = m.keyLimit;
            for (int i = 0; i < t.tq; i++) {
                // additive row: the additive mask plus the penalty where masked
                for (int j = 0; j < limit; j++) {
                    float a = m.add != null ? m.additiveAt(i, j) : 0f;
                    if (m.causalMasks(i, j) || m.maskedAt(i, j)) {
                        a += m.penalty;
                    }
                    mem.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, addRowOff + j, a);
                }
                long row = s0 + i * lds;
                if (limit > 0) {
                    kernels.softmaxRows(1, limit, 1f, s, row, lds, slot.rowMask(-1, addRowOff), s, row, lds);
                }
                ZeroFill.rows(s, row + limit, 1, tk - limit, lds);
            }
            return limit;
        }
        boolean elementwise = m.isElementwise();
        int seen = 0;
        if (!elementwise) {
            // rows with the same limit (all of them, with key lengths alone) in one softmax call
            for (int i = 0; i < t.tq;) {
                int limit = m.rowLimit(i), end = i + 1;
                while (end < t.tq && m.rowLimit(end) == limit) {
                    end++;
                }
                long row = s0 + i * lds;
                if (limit > 0) {
                    kernels.softmaxRows(end - i, limit, 1f, s, row, lds, null, s, row, lds);
                }
                ZeroFill.rows(s, row + limit, end - i, tk - limit, lds);
                seen = Math.max(seen, limit);
                i = end;
            }
            return seen;
        }
        for (int j = 0; j < tk; j++) {
            mem.set(ValueLayout.JAVA_BYTE, liveByte + j, (byte) 0);
        }
        for (int i = 0; i < t.tq; i++) {
            long row = s0 + i * lds;
            int limit = m.rowLimit(i);
            seen = Math.max(seen, limit);
            if (limit > 0) {
                for (int j = 0; j < limit; j++) {
                    boolean excluded = m.maskedAt(i, j);
                    if (m.add != null) {
                        float a = m.additiveAt(i, j);
                        excluded |= a == Float.NEGATIVE_INFINITY;
                        mem.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, addRowOff + j, a);
                    }
                    mem.set(ValueLayout.JAVA_BYTE, exRowByte + j, excluded ? (byte) 1 : 0);
                    if (!excluded) {
                        mem.set(ValueLayout.JAVA_BYTE, liveByte + j, (byte) 1);
                    }
                }
                kernels.softmaxRows(1, limit, 1f, s, row, lds,
                        slot.rowMask(exRowByte, m.add != null ? addRowOff : -1), s, row, lds);
            }
            ZeroFill.rows(s, row + limit, 1, tk - limit, lds);
        }
        return seen;
    }

    /** {@code C = W[:, j0:j1] V[j0:j1, :]} (first run) or {@code C += ...}; zeros when the run is empty. */
    private void multiplyRun(HeadTask t, MemorySegment s, long s0, long lds, int j0, int j1, boolean first) {
        if (j1 <= j0) {
            if (first) {
                ZeroFill.rows(t.out, t.oOff, t.tq, t.dv, t.ldo);
            }
            return;
        }
        kernels.gemm(Transpose.NO, Transpose.NO, t.tq, t.dv, j1 - j0, 1f, s, s0 + j0, lds,
                t.v, t.vOff + j0 * t.ldv, t.ldv, first ? 0f : 1f, t.out, t.oOff, t.ldo);
    }
}
