package io.attn4j.attention;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The checked operands of one attention call, as segments, offsets and strides (in floats), so
 * that each (batch entry, head) problem can be bound into a {@link HeadTask} without allocating.
 *
 * <p>Shapes: queries {@code (B, H, Tq, dq)}, keys {@code (B, Hkv, Tk, dk)}, values
 * {@code (B, Hkv, Tk, dv)}, context {@code (B, H, Tq, dv)}, weights {@code (B, H, Tq, Tk)}; rank-3
 * tensors are the single-head case {@code H = Hkv = 1}. Head {@code h} reads key/value head
 * {@code h / (H / Hkv)} (grouped-query attention when {@code Hkv < H}). Only the last dimension
 * must be contiguous; the other strides are free, so heads can be column blocks of a projection.
 */
final class AttentionOperands {
    int batch;
    int heads;
    int kvHeads;
    int tq;
    int tk;
    int dq;
    int dk;
    int dv;
    MemorySegment q;
    long qOff;
    long qB;
    long qH;
    long qT;
    MemorySegment k;
    long kOff;
    long kB;
    long kH;
    long kT;
    MemorySegment v;
    long vOff;
    long vB;
    long vH;
    long vT;
    MemorySegment out;
    long oOff;
    long oB;
    long oH;
    long oT;
    /** Null when the weights are not asked for. */
    MemorySegment w;
    long wOff;
    long wB;
    long wH;
    long wT;
    AttentionMask mask = AttentionMask.none();
    /**
     * Mean calls ({@link #setMean}): the queries that count per batch entry, I32 or I64
     * {@code (B)}, or null for all {@code Tq}; the output is then one row per (batch, head), its
     * query stride 0.
     */
    Tensor queryCounts;

    /**
     * Checks a call and takes its operands. Nothing is written.
     *
     * @param weights null when not asked for
     * @throws IllegalArgumentException naming the argument and the shapes involved
     * @throws IllegalStateException if a tensor's memory is closed
     */
    void set(ScoreFunction score, Tensor query, Tensor key, Tensor value, Tensor context, Tensor weights,
            AttentionMask attentionMask) {
        take(score, query, key, value, context, false, weights, attentionMask);
        queryCounts = null;
    }

    /**
     * Checks a mean call ({@link Attention#attendMean}) and takes its operands: {@code means}
     * {@code (B, dv)} for rank-3 inputs, {@code (B, H, dv)} for rank 4, and the query counts
     * ({@code (B)} I32 or I64 in {@code [0, Tq]}, read now; null for all). Nothing is written.
     */
    void setMean(ScoreFunction score, Tensor query, Tensor key, Tensor value, Tensor means, Tensor counts,
            AttentionMask attentionMask) {
        take(score, query, key, value, means, true, null, attentionMask);
        if (counts != null) {
            if ((counts.dtype() != DType.I32 && counts.dtype() != DType.I64) || counts.rank() != 1
                    || counts.dim(0) != batch) {
                throw new IllegalArgumentException("queryCounts must be an I32 or I64 vector of " + batch
                        + " (the batch), got " + counts.dtype() + shape(counts));
            }
            if (!counts.isAlive()) {
                throw new IllegalStateException("queryCounts: the arena that owns this tensor is closed");
            }
        }
        queryCounts = counts;
        for (int b = 0; b < batch; b++) {
            long n = queryCount(b);
            if (n < 0 || n > tq) {
                queryCounts = null;
                throw new IllegalArgumentException("queryCounts[" + b + "] = " + n + " is outside [0, " + tq + "]");
            }
        }
    }

    /** The number of queries batch entry {@code b} counts in a mean call. */
    int queryCount(int b) {
        if (queryCounts == null) {
            return tq;
        }
        long at = queryCounts.offset() + b * queryCounts.stride(0);
        return (int) Math.clamp(queryCounts.dtype() == DType.I32
                ? queryCounts.segment().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, at)
                : queryCounts.segment().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, at), -1L, Integer.MAX_VALUE);
    }

    /** {@link #set} and {@link #setMean}: {@code out} is the context, or with {@code mean} the means. */
    private void take(ScoreFunction score, Tensor query, Tensor key, Tensor value, Tensor context, boolean mean,
            Tensor weights, AttentionMask attentionMask) {
        checkTensor("query", query);
        int rank = query.rank();
        checkTensor("key", key);
        checkTensor("value", value);
        String outName = mean ? "means" : "context";
        checkOutput(outName, context, mean ? rank - 1 : rank);
        if (key.rank() != rank || value.rank() != rank || context.rank() != (mean ? rank - 1 : rank)) {
            throw new IllegalArgumentException("query, key, value"
                    + (mean
                            ? " must have the same rank and means one less"
                            : " and context must have the same rank")
                    + " (3: (B, T, d), 4: (B, H, T, d)), got query "
                    + shape(query) + ", key " + shape(key) + ", value " + shape(value) + ", " + outName + " "
                    + shape(context));
        }
        batch = (int) query.dim(0);
        if (key.dim(0) != batch || value.dim(0) != batch) {
            throw new IllegalArgumentException("batch sizes differ: query " + shape(query) + ", key " + shape(key)
                    + ", value " + shape(value));
        }
        heads = rank == 4 ? (int) query.dim(1) : 1;
        kvHeads = rank == 4 ? (int) key.dim(1) : 1;
        if (rank == 4 && (value.dim(1) != kvHeads || kvHeads == 0 || heads % kvHeads != 0)) {
            throw new IllegalArgumentException(
                    "key and value heads must be equal and divide the query heads, got query "
                            + shape(query) + ", key " + shape(key) + ", value " + shape(value));
        }
        tq = (int) query.dim(-2);
        tk = (int) key.dim(-2);
        dq = (int) query.dim(-1);
        dk = (int) key.dim(-1);
        dv = (int) value.dim(-1);
        if (value.dim(-2) != tk) {
            throw new IllegalArgumentException("key and value must have the same number of positions, got key "
                    + shape(key) + " and value " + shape(value));
        }
        score.checkDims(dq, dk, query, key);
        if (mean
                ? (rank == 4 ? !Shapes.is(context, batch, heads, dv) : !Shapes.is(context, batch, dv))
                : (rank == 4 ? !Shapes.is(context, batch, heads, tq, dv) : !Shapes.is(context, batch, tq, dv))) {
            throw new IllegalArgumentException(outName + " has shape " + shape(context) + ", expected "
                    + (mean
                            ? (rank == 4 ? Shapes.of(batch, heads, dv) : Shapes.of(batch, dv))
                            : (rank == 4 ? Shapes.of(batch, heads, tq, dv) : Shapes.of(batch, tq, dv)))
                    + " for query " + shape(query) + " and value " + shape(value));
        }
        if (weights != null) {
            checkTensor("weights", weights);
            if (rank == 4 ? !Shapes.is(weights, batch, heads, tq, tk) : !Shapes.is(weights, batch, tq, tk)) {
                throw new IllegalArgumentException("weights has shape " + shape(weights) + ", expected "
                        + (rank == 4 ? Shapes.of(batch, heads, tq, tk) : Shapes.of(batch, tq, tk))
                        + " for query " + shape(query) + " and key " + shape(key));
            }
        }
        AttentionMask m = attentionMask == null ? AttentionMask.none() : attentionMask;
        m.check(batch, heads, tq, tk);
        mask = m;
        q = query.segment();
        qOff = query.offset();
        qB = query.stride(0);
        qH = rank == 4 ? query.stride(1) : 0;
        qT = query.stride(-2);
        k = key.segment();
        kOff = key.offset();
        kB = key.stride(0);
        kH = rank == 4 ? key.stride(1) : 0;
        kT = key.stride(-2);
        v = value.segment();
        vOff = value.offset();
        vB = value.stride(0);
        vH = rank == 4 ? value.stride(1) : 0;
        vT = value.stride(-2);
        out = context.segment();
        oOff = context.offset();
        oB = context.stride(0);
        oH = rank == 4 ? context.stride(1) : 0;
        oT = mean ? 0 : context.stride(-2);
        if (weights == null) {
            w = null;
        } else {
            w = weights.segment();
            wOff = weights.offset();
            wB = weights.stride(0);
            wH = rank == 4 ? weights.stride(1) : 0;
            wT = weights.stride(-2);
        }
    }

    /** Checks and takes the operands of a raw-score call: query {@code (B, Tq, dq)}, key {@code (B, Tk, dk)}, out {@code (B, Tq, Tk)}. */
    void setScoresOnly(ScoreFunction score, Tensor query, Tensor key, Tensor scores) {
        checkTensor("query", query);
        checkTensor("key", key);
        checkTensor("out", scores);
        if (query.rank() != 3 || key.rank() != 3 || query.dim(0) != key.dim(0)) {
            throw new IllegalArgumentException("scores need query (B, Tq, dq) and key (B, Tk, dk), got query "
                    + shape(query) + " and key " + shape(key));
        }
        score.checkDims((int) query.dim(2), (int) key.dim(2), query, key);
        if (!Shapes.is(scores, query.dim(0), query.dim(1), key.dim(1))) {
            throw new IllegalArgumentException("out has shape " + shape(scores) + ", expected "
                    + Shapes.of(query.dim(0), query.dim(1), key.dim(1)));
        }
        batch = (int) query.dim(0);
        heads = 1;
        kvHeads = 1;
        tq = (int) query.dim(1);
        tk = (int) key.dim(1);
        dq = (int) query.dim(2);
        dk = (int) key.dim(2);
        dv = 0;
        mask = AttentionMask.none();
        q = query.segment();
        qOff = query.offset();
        qB = query.stride(0);
        qH = 0;
        qT = query.stride(1);
        k = key.segment();
        kOff = key.offset();
        kB = key.stride(0);
        kH = 0;
        kT = key.stride(1);
        v = k;
        vOff = kOff;
        vB = kB;
        vH = 0;
        vT = kT;
        out = scores.segment();
        oOff = scores.offset();
        oB = scores.stride(0);
        oH = 0;
        oT = scores.stride(1);
        w = null;
    }

    /**
     * Takes the head views of projections held contiguously in {@code s}: queries and context
     * {@code [B, Tq, H*d]}, keys and values {@code [B, Tk, Hkv*d]}, head {@code h} in columns
     * {@code [h*d, (h+1)*d)}. No weights (set {@link #w} after this to ask for them). The shapes are
     * the caller's own and the mask is checked by the caller.
     */
    void setHeads(int batch, int heads, int kvHeads, int tq, int tk, int d, MemorySegment s,
            long qAt, long kAt, long vAt, long contextAt, AttentionMask attentionMask) {
        long e = (long) heads * d, kv = (long) kvHeads * d;
        this.batch = batch;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.tq = tq;
        this.tk = tk;
        dq = d;
        dk = d;
        dv = d;
        mask = attentionMask;
        q = s;
        qOff = qAt;
        qB = tq * e;
        qH = d;
        qT = e;
        k = s;
        kOff = kAt;
        kB = tk * kv;
        kH = d;
        kT = kv;
        v = s;
        vOff = vAt;
        vB = tk * kv;
        vH = d;
        vT = kv;
        out = s;
        oOff = contextAt;
        oB = tq * e;
        oH = d;
        oT = e;
        w = null;
    }

    /**
     * Checks and takes a decoding call: {@code query (B, H, nq, dk)} against the first
     * {@code length} positions of a cache laid out {@code (B, Hkv, capacity, d)}, context
     * {@code (B, H, nq, dv)}.
     *
     * @throws IllegalArgumentException naming the argument and the shapes
     */
    void setCached(Tensor query, Tensor context, int cacheBatch, int cacheHeads, int length, int capacity, int keyDim,
            int valueDim, MemorySegment keys, MemorySegment values, AttentionMask causal) {
        checkTensor("query", query);
        checkTensor("context", context);
        int nq = (int) query.dim(-2);
        if (query.rank() != 4 || query.dim(0) != cacheBatch || query.dim(1) % cacheHeads != 0 || query.dim(3) != keyDim
                || nq > length) {
            throw new IllegalArgumentException("query must be (" + cacheBatch + ", H, nq, " + keyDim
                    + ") with H a multiple of "
                    + cacheHeads + " and nq <= " + length + ", got " + shape(query) + " for a cache of " + length
                    + " positions, batch " + cacheBatch + ", " + cacheHeads + " kv heads, dk " + keyDim + ", dv "
                    + valueDim);
        }
        if (!Shapes.is(context, cacheBatch, query.dim(1), nq, valueDim)) {
            throw new IllegalArgumentException("context has shape " + shape(context) + ", expected "
                    + Shapes.of(cacheBatch, query.dim(1), nq, valueDim) + " for query " + shape(query));
        }
        batch = cacheBatch;
        heads = (int) query.dim(1);
        kvHeads = cacheHeads;
        tq = nq;
        tk = length;
        dq = keyDim;
        dk = keyDim;
        dv = valueDim;
        mask = causal;
        q = query.segment();
        qOff = query.offset();
        qB = query.stride(0);
        qH = query.stride(1);
        qT = query.stride(2);
        k = keys;
        kOff = 0;
        kB = (long) cacheHeads * capacity * keyDim;
        kH = (long) capacity * keyDim;
        kT = keyDim;
        v = values;
        vOff = 0;
        vB = (long) cacheHeads * capacity * valueDim;
        vH = (long) capacity * valueDim;
        vT = valueDim;
        out = context.segment();
        oOff = context.offset();
        oB = context.stride(0);
        oH = context.stride(1);
        oT = context.stride(2);
        w = null;
    }

    /**
     * Binds batch entry {@code b}, head {@code h} into {@code t} (keys and values of head
     * {@code h / (H / Hkv)}), including its mask view.
     */
    void bind(HeadTask t, int b, int h) {
        int kvh = h / (heads / kvHeads);
        t.tq = tq;
        t.tk = tk;
        t.dq = dq;
        t.dk = dk;
        t.dv = dv;
        t.q = q;
        t.qOff = qOff + b * qB + h * qH;
        t.ldq = qT;
        t.k = k;
        t.kOff = kOff + b * kB + kvh * kH;
        t.ldk = kT;
        t.v = v;
        t.vOff = vOff + b * vB + kvh * vH;
        t.ldv = vT;
        t.out = out;
        t.oOff = oOff + b * oB + h * oH;
        t.ldo = oT;
        t.w = w;
        t.wOff = w == null ? 0 : wOff + b * wB + h * wH;
        t.ldw = wT;
        mask.bind(t.mask, b, h, tq, tk);
    }

    /** {@link #checkTensor} for an output of rank {@code rank} (2 for the means of rank-3 inputs). */
    private static void checkOutput(String name, Tensor t, int rank) {
        if (t != null && rank == 2 && t.rank() == 2) {
            if (t.dtype() != DType.F32) {
                throw new IllegalArgumentException(name + " must be F32, got " + t.dtype() + shape(t));
            }
            if (t.dim(-1) > 1 && t.stride(-1) != 1) {
                throw new IllegalArgumentException(
                        name + ": the last dimension must be contiguous, got shape " + shape(t)
                                + " with strides " + Arrays.toString(t.strides()));
            }
            if (!t.isAlive()) {
                throw new IllegalStateException(name + ": the arena that owns this tensor is closed");
            }
            return;
        }
        checkTensor(name, t);
    }

    static void checkTensor(String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException(name + " must be F32, got " + t.dtype() + shape(t));
        }
        if (t.rank() != 3 && t.rank() != 4) {
            throw new IllegalArgumentException(name + " must have rank 3 (B, T, d) or 4 (B, H, T, d), got " + shape(t));
        }
        for (int a = 0; a < t.rank(); a++) {
            if (t.dim(a) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " is too large: " + shape(t));
            }
        }
        if (t.dim(-1) > 1 && t.stride(-1) != 1) {
            throw new IllegalArgumentException(name + ": the last dimension must be contiguous, got shape " + shape(t)
                    + " with strides " + Arrays.toString(t.strides()));
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(name + ": the arena that owns this tensor is closed");
        }
    }

    static String shape(Tensor t) {
        return Arrays.toString(t.shape());
    }
}
