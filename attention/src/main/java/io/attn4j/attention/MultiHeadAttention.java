package io.attn4j.attention;

import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * Multi-head attention with PyTorch {@code nn.MultiheadAttention} weights ({@code batch_first=True},
 * no dropout), and its grouped-query generalization (fewer key/value heads than query heads).
 *
 * <h2>Computation</h2>
 * <pre>
 *   q [B, Tq, H*dh]   = query Wq^T + bq          k, v [B, Tk, Hkv*dh] = key Wk^T + bk, value Wv^T + bv
 *   head h:  a_h = softmax(q_h k_g^T / sqrt(dh) + mask),  g = h / (H / Hkv),  o_h = a_h v_g   [Tq, dh]
 *   concat [B, Tq, H*dh] = (o_0 | o_1 | ... )     (head h in columns [h*dh, (h+1)*dh))
 *   output [B, Tq, E]    = concat Wo^T + bo
 * </pre>
 * with {@code dh = E / H}. The attention runs fused ({@link FusedAttention}) when the weights are
 * not asked for, else through the reference.
 *
 * <h2>Weights</h2> Copied at construction: the biases into this object's off-heap memory
 * ({@link #close()} frees it), the projection matrices packed once for the GEMM, on the heap
 * (collected with this object), so that no call packs them again.
 * PyTorch: {@code in_proj_weight (3E, E)} holds Wq, Wk, Wv in row blocks, {@code in_proj_bias (3E)}
 * likewise, or {@code q_proj_weight (E, E)}, {@code k_proj_weight (E, kdim)},
 * {@code v_proj_weight (E, vdim)} when kdim/vdim differ from E; {@code out_proj.weight (E, E)},
 * {@code out_proj.bias (E)}. Biases may be null ({@code bias=False}).
 *
 * <h2>Masks</h2> PyTorch's {@code key_padding_mask (B, Tk)} is {@link AttentionMask#withKeyPadding},
 * a boolean {@code attn_mask (Tq, Tk)} is {@link AttentionMask#withMask} (a {@code (B*H, Tq, Tk)} one
 * reshaped to {@code (B, H, Tq, Tk)}), a float one {@link AttentionMask#withAdditive}; they combine.
 * A query with every key masked gets zero weights (PyTorch: NaN) and its output is the out-projection
 * bias.
 *
 * <p>Error: the projections' GEMM bounds, then the attention bound of the path taken (see
 * {@link ReferenceAttention}, {@link FusedAttention}), then the output projection's GEMM bound.
 */
public final class MultiHeadAttention implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final int embedDim;
    private final int numHeads;
    private final int numKvHeads;
    private final int headDim;
    private final int kdim;
    private final int vdim;
    private final PackedMatrix wq;
    private final PackedMatrix wk;
    private final PackedMatrix wv;
    private final Tensor bq;
    private final Tensor bk;
    private final Tensor bv;
    private final PackedMatrix wo;
    private final Tensor bo;
    private final ScoreFunction score = ScoreFunction.scaledDot();
    private final Backend backend;

    private MultiHeadAttention(int numHeads, int numKvHeads, Tensor wq, Tensor wk, Tensor wv, Tensor bq, Tensor bk,
            Tensor bv, Tensor wo, Tensor bo, Kernels kernels) {
        if (kernels == null) {
            arena.close();
            throw new IllegalArgumentException("kernels is null");
        }
        backend = Backend.of(kernels);
        embedDim = Weights.dim("q weight", wq, 2, 0);
        if (numHeads <= 0 || numKvHeads <= 0 || embedDim % numHeads != 0 || numHeads % numKvHeads != 0) {
            arena.close();
            throw new IllegalArgumentException("numHeads " + numHeads + " must divide embed_dim " + embedDim
                    + " and numKvHeads " + numKvHeads + " must divide numHeads");
        }
        this.numHeads = numHeads;
        this.numKvHeads = numKvHeads;
        headDim = embedDim / numHeads;
        int kvDim = numKvHeads * headDim;
        try {
            kdim = Weights.dim("k weight", wk, 2, 1);
            vdim = Weights.dim("v weight", wv, 2, 1);
            this.wq = Linear.pack(kernels, "q weight", wq, embedDim, embedDim);
            this.wk = Linear.pack(kernels, "k weight", wk, kvDim, kdim);
            this.wv = Linear.pack(kernels, "v weight", wv, kvDim, vdim);
            this.bq = bq == null ? null : Weights.copy(arena, "q bias", bq, embedDim);
            this.bk = bk == null ? null : Weights.copy(arena, "k bias", bk, kvDim);
            this.bv = bv == null ? null : Weights.copy(arena, "v bias", bv, kvDim);
            this.wo = Linear.pack(kernels, "out_proj.weight", wo, embedDim, embedDim);
            this.bo = bo == null ? null : Weights.copy(arena, "out_proj.bias", bo, embedDim);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * From {@code nn.MultiheadAttention(E, numHeads)}'s state dict, on the kernels
     * {@link KernelProvider#kernels()} chose.
     *
     * @param inProjWeight {@code in_proj_weight (3E, E)}
     * @param inProjBias {@code in_proj_bias (3E)}, or null
     * @param outProjWeight {@code out_proj.weight (E, E)}
     * @param outProjBias {@code out_proj.bias (E)}, or null
     * @throws IllegalArgumentException on shapes that do not fit or heads that do not divide E
     */
    public static MultiHeadAttention fromPyTorch(int numHeads, Tensor inProjWeight, Tensor inProjBias,
            Tensor outProjWeight, Tensor outProjBias) {
        return fromPyTorch(numHeads, inProjWeight, inProjBias, outProjWeight, outProjBias, KernelProvider.kernels());
    }

    /** As {@link #fromPyTorch(int, Tensor, Tensor, Tensor, Tensor)}, computing with {@code kernels}. */
    public static MultiHeadAttention fromPyTorch(int numHeads, Tensor inProjWeight, Tensor inProjBias,
            Tensor outProjWeight, Tensor outProjBias, Kernels kernels) {
        int e = Weights.dim("in_proj_weight", inProjWeight, 2, 1);
        Weights.check("in_proj_weight", inProjWeight, 3L * e, e);
        return fromPyTorch(numHeads, inProjWeight.slice(0, 0, e), inProjWeight.slice(0, e, 2L * e),
                inProjWeight.slice(0, 2L * e, 3L * e), inProjBias, outProjWeight, outProjBias, kernels);
    }

    /**
     * From the state dict of an {@code nn.MultiheadAttention(E, numHeads, kdim=, vdim=)}.
     *
     * @param qProjWeight {@code q_proj_weight (E, E)}
     * @param kProjWeight {@code k_proj_weight (E, kdim)}
     * @param vProjWeight {@code v_proj_weight (E, vdim)}
     * @param inProjBias {@code in_proj_bias (3E)}, or null
     */
    public static MultiHeadAttention fromPyTorch(int numHeads, Tensor qProjWeight, Tensor kProjWeight,
            Tensor vProjWeight, Tensor inProjBias, Tensor outProjWeight, Tensor outProjBias) {
        return fromPyTorch(numHeads, qProjWeight, kProjWeight, vProjWeight, inProjBias, outProjWeight, outProjBias,
                KernelProvider.kernels());
    }

    /**
     * As {@link #fromPyTorch(int, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)}, computing with
     * {@code kernels}.
     */
    public static MultiHeadAttention fromPyTorch(int numHeads, Tensor qProjWeight, Tensor kProjWeight,
            Tensor vProjWeight, Tensor inProjBias, Tensor outProjWeight, Tensor outProjBias, Kernels kernels) {
        int e = Weights.dim("q_proj_weight", qProjWeight, 2, 0);
        Tensor bq = null, bk = null, bv = null;
        if (inProjBias != null) {
            Weights.check("in_proj_bias", inProjBias, 3L * e);
            bq = inProjBias.slice(0, 0, e);
            bk = inProjBias.slice(0, e, 2L * e);
            bv = inProjBias.slice(0, 2L * e, 3L * e);
        }
        return new MultiHeadAttention(numHeads, numHeads, qProjWeight, kProjWeight, vProjWeight, bq, bk, bv,
                outProjWeight, outProjBias, kernels);
    }

    /**
     * Grouped-query attention: {@code numKvHeads} key/value heads shared by groups of
     * {@code numHeads / numKvHeads} query heads (multi-query attention when 1).
     *
     * @param wq {@code (E, E)}; {@code wk (numKvHeads*dh, kdim)}; {@code wv (numKvHeads*dh, vdim)}, {@code dh = E / numHeads}
     * @param bq {@code (E)} or null; {@code bk}, {@code bv} {@code (numKvHeads*dh)} or null
     * @param wo {@code (E, E)}; {@code bo (E)} or null
     */
    public static MultiHeadAttention grouped(int numHeads, int numKvHeads, Tensor wq, Tensor wk, Tensor wv,
            Tensor bq, Tensor bk, Tensor bv, Tensor wo, Tensor bo) {
        return grouped(numHeads, numKvHeads, wq, wk, wv, bq, bk, bv, wo, bo, KernelProvider.kernels());
    }

    /** As {@link #grouped(int, int, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)}, computing with {@code kernels}. */
    public static MultiHeadAttention grouped(int numHeads, int numKvHeads, Tensor wq, Tensor wk, Tensor wv,
            Tensor bq, Tensor bk, Tensor bv, Tensor wo, Tensor bo, Kernels kernels) {
        return new MultiHeadAttention(numHeads, numKvHeads, wq, wk, wv, bq, bk, bv, wo, bo, kernels);
    }

    public int embedDim() {
        return embedDim;
    }

    public int numHeads() {
        return numHeads;
    }

    public int numKvHeads() {
        return numKvHeads;
    }

    /**
     * {@code output = MHA(query, key, value)}; self-attention passes the same tensor three times.
     *
     * @param query {@code (B, Tq, E)}; not modified
     * @param key {@code (B, Tk, kdim)}; not modified
     * @param value {@code (B, Tk, vdim)}; not modified
     * @param mask null for none; shapes {@code (B, H, Tq, Tk)} per head
     * @param executor null runs on the calling thread
     * @param output {@code (B, Tq, E)}; overwritten
     * @param weights null, {@code (B, Tq, Tk)} for weights averaged over heads, or
     *        {@code (B, H, Tq, Tk)} per head; overwritten
     * @throws IllegalArgumentException on shapes that do not fit, before writing anything
     */
    public void forward(Tensor query, Tensor key, Tensor value, AttentionMask mask, AttentionWorkspace workspace,
            Executor executor, Tensor output, Tensor weights) {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("this MultiHeadAttention is closed");
        }
        if (workspace == null) {
            throw new IllegalArgumentException("workspace is null");
        }
        int batch = checkInput("query", query, -1, embedDim);
        int tq = (int) query.dim(1);
        checkInput("key", key, batch, kdim);
        int tk = (int) key.dim(1);
        checkInput("value", value, batch, vdim);
        if (value.dim(1) != tk) {
            throw new IllegalArgumentException("key and value must have the same length, got key "
                    + Arrays.toString(key.shape()) + " and value " + Arrays.toString(value.shape()));
        }
        checkInput("output", output, batch, embedDim);
        if (output.dim(1) != tq) {
            throw new IllegalArgumentException("output has shape " + Arrays.toString(output.shape()) + ", expected ["
                    + batch + ", " + tq + ", " + embedDim + "]");
        }
        boolean averaged = weights != null && weights.rank() == 3;
        if (weights != null) {
            boolean fits = averaged ? Shapes.is(weights, batch, tq, tk) : Shapes.is(weights, batch, numHeads, tq, tk);
            if (weights.dtype() != DType.F32 || !fits || weights.stride(-1) != 1 && tk > 1) {
                throw new IllegalArgumentException(
                        "weights must be F32 (B, Tq, Tk) or (B, H, Tq, Tk) with a contiguous "
                                + "last dimension, expected "
                                + (averaged ? Shapes.of(batch, tq, tk) : Shapes.of(batch, numHeads, tq, tk))
                                + ", got " + weights.dtype() + Arrays.toString(weights.shape()));
            }
        }
        AttentionMask m = mask == null ? AttentionMask.none() : mask;
        m.check(batch, numHeads, tq, tk);

        Kernels kernels = backend.kernels();
        int kvDim = numKvHeads * headDim;
        // shared scratch (floats): q [B, Tq, E] | k [B, Tk, kvDim] | v [B, Tk, kvDim] | concat [B, Tq, E] | per-head weights [B, H, Tq, Tk]
        long qOff = 0;
        long kOff = qOff + ScoreFunction.alignFloats((long) batch * tq * embedDim);
        long vOff = kOff + ScoreFunction.alignFloats((long) batch * tk * kvDim);
        long cOff = vOff + ScoreFunction.alignFloats((long) batch * tk * kvDim);
        long hwOff = cOff + ScoreFunction.alignFloats((long) batch * tq * embedDim);
        long end = hwOff + (averaged ? (long) batch * numHeads * tq * tk : 0);
        MemorySegment s = workspace.shared(end * Float.BYTES);
        if (executor == null) {
            project(kernels, query, wq, bq, s, qOff);
            project(kernels, key, wk, bk, s, kOff);
            project(kernels, value, wv, bv, s, vOff);
        } else {
            Linear.applyAll(kernels, executor, projections(batch, query, wq, bq, key, wk, bk, value, wv, bv, s, qOff,
                    kOff, vOff));
        }

        AttentionOperands op = workspace.operands();
        op.setHeads(batch, numHeads, numKvHeads, tq, tk, headDim, s, qOff, kOff, vOff, cOff, m);
        if (averaged) {
            op.w = s;
            op.wOff = hwOff;
            op.wB = (long) numHeads * tq * tk;
            op.wH = (long) tq * tk;
            op.wT = tk;
        } else if (weights != null) {
            op.w = weights.segment();
            op.wOff = weights.offset();
            op.wB = weights.stride(0);
            op.wH = weights.stride(1);
            op.wT = weights.stride(2);
        }
        if (weights == null && m.excludes()) {
            workspace.fused().attend(backend, 1f / (float) Math.sqrt(headDim), op, workspace, executor);
        } else {
            workspace.reference().attend(backend, score, op, workspace, executor);
        }
        if (averaged) {
            averageHeads(kernels, batch, tq, tk, s, hwOff, weights);
        }
        // output [B*Tq, E] = concat Wo^T + bo, batch by batch (the output's batch stride is free)
        MemorySegment outBias = bo == null ? null : bo.segment();
        if (executor == null) {
            for (int b = 0; b < batch; b++) {
                Linear.apply(kernels, tq, s, cOff + (long) b * tq * embedDim, embedDim, wo, outBias,
                        output.segment(), output.offset() + b * output.stride(0), output.stride(1));
            }
        } else {
            Linear.Product[] entries = new Linear.Product[batch];
            for (int b = 0; b < batch; b++) {
                entries[b] = new Linear.Product(tq, s, cOff + (long) b * tq * embedDim, embedDim, wo, outBias,
                        output.segment(), output.offset() + b * output.stride(0), output.stride(1));
            }
            Linear.applyAll(kernels, executor, entries);
        }
    }

    /** {@code out [B, T, outDim]} (contiguous, at {@code off} in {@code s}) {@code = x W^T + b}, on the calling thread. */
    private static void project(Kernels kernels, Tensor x, PackedMatrix w, Tensor bias, MemorySegment s, long off) {
        int t = (int) x.dim(1), outDim = w.n();
        for (int b = 0; b < x.dim(0); b++) {
            Linear.apply(kernels, t, x.segment(), x.offset() + b * x.stride(0), x.stride(1), w,
                    bias == null ? null : bias.segment(), s, off + (long) b * t * outDim, outDim);
        }
    }

    /** The query, key and value projections of every batch entry, for one split over an executor. */
    private static Linear.Product[] projections(int batch, Tensor query, PackedMatrix wq, Tensor bq, Tensor key,
            PackedMatrix wk, Tensor bk, Tensor value, PackedMatrix wv, Tensor bv, MemorySegment s, long qOff,
            long kOff, long vOff) {
        Linear.Product[] all = new Linear.Product[3 * batch];
        for (int b = 0; b < batch; b++) {
            all[b] = projection(query, b, wq, bq, s, qOff);
            all[batch + b] = projection(key, b, wk, bk, s, kOff);
            all[2 * batch + b] = projection(value, b, wv, bv, s, vOff);
        }
        return all;
    }

    /** Batch entry {@code b} of {@code out [B, T, outDim] = x W^T + b}, out contiguous at {@code off} in {@code s}. */
    private static Linear.Product projection(Tensor x, int b, PackedMatrix w, Tensor bias, MemorySegment s, long off) {
        int t = (int) x.dim(1), outDim = w.n();
        return new Linear.Product(t, x.segment(), x.offset() + b * x.stride(0), x.stride(1), w,
                bias == null ? null : bias.segment(), s, off + (long) b * t * outDim, outDim);
    }

    /** {@code weights[b, i, :] = (sum_h perHead[b, h, i, :]) / H}, summed in head order. */
    private void averageHeads(Kernels kernels, int batch, int tq, int tk, MemorySegment s, long perHeadOff,
            Tensor weights) {
        MemorySegment w = weights.segment();
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < tq; i++) {
                long dst = weights.offset() + b * weights.stride(0) + i * weights.stride(1);
                long src = perHeadOff + ((long) b * numHeads * tq + i) * tk;
                MemorySegment.copy(s, src * Float.BYTES, w, dst * Float.BYTES, (long) tk * Float.BYTES);
                for (int h = 1; h < numHeads; h++) {
                    kernels.add(tk, w, dst, s, src + (long) h * tq * tk, w, dst);
                }
                kernels.scale(tk, 1f / numHeads, w, dst);
            }
        }
    }

    private static int checkInput(String name, Tensor t, int batch, int features) {
        if (t == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (t.dtype() != DType.F32 || t.rank() != 3 || t.dim(2) != features || (batch >= 0 && t.dim(0) != batch)
                || (t.stride(2) != 1 && features > 1)) {
            throw new IllegalArgumentException(name + " must be F32 (" + (batch >= 0 ? batch : "B") + ", T, " + features
                    + ") with a contiguous last dimension, got " + t.dtype() + Arrays.toString(t.shape()));
        }
        if (t.dim(0) > Integer.MAX_VALUE || t.dim(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " is too large: " + Arrays.toString(t.shape()));
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(name + ": the arena that owns this tensor is closed");
        }
        return (int) t.dim(0);
    }

    /** Frees the weights. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
