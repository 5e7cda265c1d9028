package io.attn4j.model.graph;

import io.attn4j.attention.Attention;
import io.attn4j.attention.AttentionMask;
import io.attn4j.attention.AttentionWorkspace;
import io.attn4j.attention.ScoreFunction;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras {@code MultiHeadAttention(num_heads, key_dim, value_dim, use_bias, output_shape)},
 * self or cross, with Keras' weight layout read as it is: the kernels {@code (E, H, d)} and
 * {@code (H, dv, E_out)} are row-major {@code (E, H*d)} and {@code (H*dv, E_out)} matrices, so each
 * projection is one GEMM.
 * <pre>
 *   q [B, Tq, H*dk] = query Wq + bq     k [B, Tk, H*dk] = key Wk + bk     v [B, Tk, H*dv] = value Wv + bv
 *   head h: o_h = softmax(q_h k_h^T / sqrt(dk) + mask) v_h        (views (B, H, T, d) of q, k, v, o)
 *   output [B, Tq, E_out] = o [B, Tq, H*dv] Wo + bo
 * </pre>
 * Masks as Keras 3 combines them ({@code _compute_attention_mask}) and its JAX backend applies
 * them: query i may see key j when the {@code attention_mask} (if any) is true at {@code (i, j)},
 * the query's mask keeps i, the value's and key's masks keep j and, causal, {@code j <= i}; a
 * masked pair's score is replaced by {@code -0.7 * Float.MAX_VALUE} (so a row with no visible key
 * averages all keys, as Keras does). Without masks and causality the heads run on the fused
 * attention. The query and the key/value may have different steps ({@code Tq}, {@code Tk}, each on
 * its own time axis); keys past each row's length along the key axis are excluded. The output
 * carries the query's mask; Keras does not zero masked queries here.
 */
final class MultiHeadNode extends Node {
    /** What Keras' JAX backend puts in place of a masked score. */
    static final float MASKED_SCORE = -0.7f * Float.MAX_VALUE;

    private final int heads;
    private final int keyDim;
    private final int valueDim;
    private final int outDim;
    private final Port query;
    private final Port value;
    private final Port key;
    private final Port queryMask;
    private final Port valueMask;
    private final Port keyMask;
    /** Keras' {@code attention_mask} {@code (B, Tq, Tk)}, or null. */
    private final Port attentionMask;
    private final boolean causal;
    private final MemorySegment wq;
    private final MemorySegment bq;
    private final MemorySegment wk;
    private final MemorySegment bk;
    private final MemorySegment wv;
    private final MemorySegment bv;
    private final MemorySegment wo;
    private final MemorySegment bo;
    private final Attention attention;

    MultiHeadNode(String name, Port query, Port value, Port key, Port queryMask, Port valueMask, Port keyMask,
            Port attentionMask, boolean causal, int heads, int keyDim, int valueDim, int outDim, float[][] w,
            Arena arena, Kernels kernels) {
        super(name, "MultiHeadAttention", inputs(query, value, key, attentionMask));
        this.heads = heads;
        this.keyDim = keyDim;
        this.valueDim = valueDim;
        this.outDim = outDim;
        this.query = query;
        this.value = value;
        this.key = key;
        this.queryMask = queryMask;
        this.valueMask = valueMask;
        this.keyMask = keyMask;
        this.attentionMask = attentionMask;
        this.causal = causal;
        this.wq = Weights.copy(arena, w[0]);
        this.bq = w[1] == null ? null : Weights.copy(arena, w[1]);
        this.wk = Weights.copy(arena, w[2]);
        this.bk = w[3] == null ? null : Weights.copy(arena, w[3]);
        this.wv = Weights.copy(arena, w[4]);
        this.bv = w[5] == null ? null : Weights.copy(arena, w[5]);
        this.wo = Weights.copy(arena, w[6]);
        this.bo = w[7] == null ? null : Weights.copy(arena, w[7]);
        this.attention = Attention.of(ScoreFunction.scaledDot((float) (1 / Math.sqrt(keyDim))), kernels);
    }

    private static Port[] inputs(Port query, Port value, Port key, Port attentionMask) {
        java.util.List<Port> in = new java.util.ArrayList<>(java.util.List.of(query, value));
        if (key != null) {
            in.add(key);
        }
        if (attentionMask != null) {
            in.add(attentionMask);
        }
        return in.toArray(new Port[0]);
    }

    private boolean masked() {
        return queryMask != null || valueMask != null || keyMask != null || attentionMask != null || causal;
    }

    private final class State implements AutoCloseable {
        final AttentionWorkspace workspace = new AttentionWorkspace();
        /** q [B, Tq, H*dk] | k [B, Tk, H*dk] | v [B, Tk, H*dv] | o [B, Tq, H*dv] | mask bytes [B, Tq, Tk] (1 = masked). */
        final MemorySegment q;
        final MemorySegment k;
        final MemorySegment v;
        final MemorySegment o;
        final MemorySegment pairs;
        int batch = -1;
        int querySeq = -1;
        int keySeq = -1;
        Tensor qv;
        Tensor kv;
        Tensor vv;
        Tensor ov;
        AttentionMask mask;

        State(Frame f) {
            long bt = (long) f.maxBatch * f.maxSeq;
            q = f.allocate(bt * heads * keyDim * Float.BYTES);
            k = f.allocate(bt * heads * keyDim * Float.BYTES);
            v = f.allocate(bt * heads * valueDim * Float.BYTES);
            o = f.allocate(bt * heads * valueDim * Float.BYTES);
            pairs = masked() ? f.allocate(bt * f.maxSeq) : null;
        }

        void views(Frame f, int tq, int tk) {
            if (batch == f.batch && querySeq == tq && keySeq == tk) {
                return;
            }
            qv = heads(q, f.batch, tq, keyDim);
            kv = heads(k, f.batch, tk, keyDim);
            vv = heads(v, f.batch, tk, valueDim);
            ov = heads(o, f.batch, tq, valueDim);
            AttentionMask m = AttentionMask.none().withKeyLengths(f.lengthTensor(value));
            if (pairs != null) {
                m = m.withMask(Tensor.wrap(pairs, DType.I8, f.batch, tq, tk)).withPenalty(MASKED_SCORE);
            }
            mask = m;
            batch = f.batch;
            querySeq = tq;
            keySeq = tk;
        }

        /** (B, H, T, d) over a (B, T, H*d) buffer. */
        private Tensor heads(MemorySegment s, int batch, int steps, int d) {
            return Tensor.wrap(s, DType.F32, batch, steps, heads, d).transpose(1, 2);
        }

        @Override
        public void close() {
            workspace.close();
        }
    }

    @Override
    Object newState(Frame frame) {
        return new State(frame);
    }

    /** The projections and the mask bytes as {@link State} allocates them, and the attention's scratch. */
    @Override
    long stateBytes(int maxBatch, int maxSeq) {
        long bt = (long) maxBatch * maxSeq;
        long bytes = Math.multiplyExact(bt * heads, 2L * (keyDim + valueDim) * Float.BYTES)
                + (masked() ? bt * maxSeq : 0);
        return Math.addExact(bytes, AttentionScratch.bound((long) maxBatch * heads, maxSeq, keyDim, valueDim));
    }

    @Override
    long heldBytes(Object state) {
        return ((State) state).workspace.byteSize();
    }

    @Override
    void forward(Frame f) {
        State s = (State) f.state(this);
        int tq = f.seq(query), tk = f.seq(value);
        s.views(f, tq, tk);
        int queryRows = f.batch * tq, keyRows = f.batch * tk;
        project(f, f.data(query), query.features, wq, bq, heads * keyDim, s.q, queryRows);
        project(f, f.data(key == null ? value : key), (key == null ? value : key).features, wk, bk, heads * keyDim,
                s.k, keyRows);
        project(f, f.data(value), value.features, wv, bv, heads * valueDim, s.v, keyRows);
        if (s.pairs != null) {
            maskPairs(f, s.pairs, tq, tk);
        }
        attention.attend(s.qv, s.kv, s.vv, s.mask, s.workspace, null, s.ov, null);
        project(f, s.o, heads * valueDim, wo, bo, outDim, f.data(outputs[0]), queryRows);
        f.zeroPadding(outputs[0]);
    }

    /** y [rows, n] = x [rows, k] W [k, n] + b. */
    private static void project(Frame f, MemorySegment x, int k, MemorySegment w, MemorySegment b, int n,
            MemorySegment y, int rows) {
        f.kernels.gemm(Transpose.NO, Transpose.NO, rows, n, k, 1f, x, 0, k, w, 0, n, 0f, y, 0, n);
        if (b != null) {
            for (long r = 0; r < rows; r++) {
                f.kernels.add(n, y, r * n, b, 0, y, r * n);
            }
        }
    }

    /**
     * pairs [b, i, j] = 1 unless query i may see key j: attention_mask[b, i, j] and
     * query_mask[b, i] and value_mask[b, j] and key_mask[b, j] and (not causal or j <= i).
     */
    private void maskPairs(Frame f, MemorySegment pairs, int tq, int tk) {
        MemorySegment qm = queryMask == null ? null : f.data(queryMask);
        MemorySegment vm = valueMask == null ? null : f.data(valueMask);
        MemorySegment km = keyMask == null ? null : f.data(keyMask);
        MemorySegment am = attentionMask == null ? null : f.data(attentionMask);
        for (int b = 0; b < f.batch; b++) {
            long queries = (long) b * tq, keys = (long) b * tk;
            for (int i = 0; i < tq; i++) {
                boolean qKeep = qm == null || qm.get(ValueLayout.JAVA_BYTE, queries + i) != 0;
                long at = (queries + i) * tk;
                for (int j = 0; j < tk; j++) {
                    boolean keep = qKeep && (am == null || am.get(ValueLayout.JAVA_BYTE, at + j) != 0)
                            && (vm == null || vm.get(ValueLayout.JAVA_BYTE, keys + j) != 0)
                            && (km == null || km.get(ValueLayout.JAVA_BYTE, keys + j) != 0) && (!causal || j <= i);
                    pairs.set(ValueLayout.JAVA_BYTE, at + j, keep ? (byte) 0 : 1);
                }
            }
        }
    }

    @Override
    String runs() {
        return heads + (heads == 1 ? " head" : " heads") + ", key_dim " + keyDim + ", value_dim " + valueDim
                + (causal ? ", causal" : "")
                + (attentionMask != null ? ", attention_mask" : "")
                + (masked() ? ": reference attention, masked scores as Keras' JAX backend" : ": fused attention");
    }

    @Override
    String weights() {
        return "query/key/value kernels (E, " + heads + ", d), output kernel (" + heads + ", " + valueDim + ", "
                + outDim + ")" + (bq != null ? ", biases" : "");
    }

    @Override
    public void close() {
        attention.close();
    }
}
