package io.attn4j.attention;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Which keys each query may attend to, for attention problems of shape
 * {@code (batch, heads, Tq, Tk)}. Immutable: each {@code with*} method returns a mask that adds a
 * part, and a key is masked for a query when any part masks it.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@link #withKeyLengths}: key {@code j} of batch entry {@code b} is masked when
 *       {@code j >= lengths[b]}, {@code 0 <= lengths[b] <= Tk}; given as values (copied) or as an
 *       {@link DType#I32}/{@link DType#I64} tensor {@code (batch)} read at call time. Lengths are
 *       structural: keys past a length are never computed, where an element-wise padding mask
 *       checks every score.</li>
 *   <li>{@link #withKeyPadding}: an {@link DType#I8} tensor {@code (batch, Tk)}, non-zero = masked
 *       (PyTorch's {@code key_padding_mask}); {@link #withKeyKeep}: the same with non-zero = keep
 *       (a Keras value mask).</li>
 *   <li>{@link #withCausal}: query {@code i} sees keys {@code j <= i + (Tk - Tq)}, i.e. causal
 *       aligned to the end as in decoding, where the {@code Tq} queries are the last {@code Tq}
 *       positions of the {@code Tk} keys ({@code Tq == Tk} gives {@code j <= i});
 *       {@link #withCausalFromStart}: {@code j <= i} whatever the lengths (Keras'
 *       {@code use_causal_mask}).</li>
 *   <li>{@link #withMask}: an {@link DType#I8} tensor {@code (Tq, Tk)}, {@code (batch, Tq, Tk)} or
 *       {@code (batch, heads, Tq, Tk)}, non-zero = masked (PyTorch's boolean {@code attn_mask}).</li>
 *   <li>{@link #withAdditive}: an {@link DType#F32} tensor of the same shapes added to the scores
 *       ({@code -inf} excludes a key; PyTorch's float {@code attn_mask}).</li>
 * </ul>
 * Mask tensors are views read at call time (not copied); their last dimension must be contiguous.
 *
 * <h2>What masking does</h2>
 * By default a masked score is <em>excluded</em>: its weight is exactly 0, as PyTorch's
 * {@code -inf} fill. A query row whose keys are all excluded gets zero weights and a zero context
 * (PyTorch gives NaN there). Keys excluded for every query of a batch entry and head are not read
 * by the multiplication with the values, so their value rows may hold anything, even NaN.
 * {@link #withPenalty} instead <em>adds</em> a finite penalty to masked scores, as Keras adds
 * {@code -1e9}; then every key below the key length is read and a fully masked row is a softmax of
 * penalized scores. Key lengths stay structural under a penalty: keys past a length are excluded
 * (weight 0, never read), as if the sequence ended there.
 */
public final class AttentionMask {
    private static final AttentionMask NONE = new AttentionMask(null, null, false, Causal.NONE, null, null,
            Float.NEGATIVE_INFINITY);

    private enum Causal {
        NONE, END, START
    }

    /** I32 or I64 {@code (batch)}: caller's tensor, or a heap copy of values. */
    private final Tensor keyLengths;
    private final Tensor keyPadding;
    private final boolean paddingKeeps;
    private final Causal causal;
    private final Tensor masked;
    private final Tensor additive;
    private final float penalty;

    private AttentionMask(Tensor keyLengths, Tensor keyPadding, boolean paddingKeeps, Causal causal,
            Tensor masked, Tensor additive, float penalty) {
        this.keyLengths = keyLengths;
        this.keyPadding = keyPadding;
        this.paddingKeeps = paddingKeeps;
        this.causal = causal;
        this.masked = masked;
        this.additive = additive;
        this.penalty = penalty;
    }

    /** No masking. */
    public static AttentionMask none() {
        return NONE;
    }

    /** Adds key lengths, one per batch entry (copied). Checked against {@code Tk} at call time. */
    public AttentionMask withKeyLengths(int... lengths) {
        return withKeyLengths(Tensor.wrap(MemorySegment.ofArray(lengths.clone()), DType.I32, lengths.length));
    }

    /** Adds key lengths given as I64 values (PyTorch's lengths tensors), copied. */
    public AttentionMask withKeyLengths(long... lengths) {
        return withKeyLengths(Tensor.wrap(MemorySegment.ofArray(lengths.clone()), DType.I64, lengths.length));
    }

    /**
     * Adds key lengths from an {@link DType#I32} or {@link DType#I64} tensor {@code (batch)},
     * read at each call (not copied): a caller that reuses one mask for many calls refills the
     * tensor between them, with no allocation. Checked against {@code Tk} at call time.
     */
    public AttentionMask withKeyLengths(Tensor lengths) {
        requirePartAbsent(keyLengths, "key lengths");
        requireNonNull(lengths, "keyLengths");
        if ((lengths.dtype() != DType.I32 && lengths.dtype() != DType.I64) || lengths.rank() != 1) {
            throw new IllegalArgumentException("keyLengths must be an I32 or I64 vector, got " + lengths.dtype()
                    + Arrays.toString(lengths.shape()));
        }
        return new AttentionMask(lengths, keyPadding, paddingKeeps, causal, masked, additive, penalty);
    }

    /** Key length of batch entry {@code b}, read without allocating. */
    private long keyLength(int b) {
        long at = keyLengths.offset() + b * keyLengths.stride(0);
        return keyLengths.dtype() == DType.I32
                ? keyLengths.segment().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, at)
                : keyLengths.segment().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, at);
    }

    /** Adds a key padding mask: I8 {@code (batch, Tk)}, non-zero = masked. */
    public AttentionMask withKeyPadding(Tensor padding) {
        requirePartAbsent(keyPadding, "key padding");
        return new AttentionMask(keyLengths, requireNonNull(padding, "keyPadding"), false, causal, masked, additive,
                penalty);
    }

    /** Adds a key keep mask: I8 {@code (batch, Tk)}, non-zero = keep (a Keras value mask). */
    public AttentionMask withKeyKeep(Tensor keep) {
        requirePartAbsent(keyPadding, "key padding");
        return new AttentionMask(keyLengths, requireNonNull(keep, "keyKeep"), true, causal, masked, additive, penalty);
    }

    /** Adds the causal mask aligned to the end: query {@code i} sees keys {@code j <= i + Tk - Tq}. */
    public AttentionMask withCausal() {
        return new AttentionMask(keyLengths, keyPadding, paddingKeeps, Causal.END, masked, additive, penalty);
    }

    /** Adds the causal mask aligned to the start: query {@code i} sees keys {@code j <= i} (Keras). */
    public AttentionMask withCausalFromStart() {
        return new AttentionMask(keyLengths, keyPadding, paddingKeeps, Causal.START, masked, additive, penalty);
    }

    /** Adds a boolean mask: I8 {@code (Tq, Tk)}, {@code (batch, Tq, Tk)} or {@code (batch, heads, Tq, Tk)}, non-zero = masked. */
    public AttentionMask withMask(Tensor mask) {
        requirePartAbsent(masked, "boolean mask");
        return new AttentionMask(keyLengths, keyPadding, paddingKeeps, causal, requireNonNull(mask, "mask"), additive,
                penalty);
    }

    /** Adds an additive F32 mask of the shapes {@link #withMask} takes. */
    public AttentionMask withAdditive(Tensor add) {
        requirePartAbsent(additive, "additive mask");
        return new AttentionMask(keyLengths, keyPadding, paddingKeeps, causal, masked, requireNonNull(add, "additive"),
                penalty);
    }

    /**
     * Masked scores get {@code penalty} added instead of being excluded (Keras: {@code -1e9}).
     *
     * @throws IllegalArgumentException unless {@code penalty} is finite
     */
    public AttentionMask withPenalty(float penalty) {
        if (!Float.isFinite(penalty)) {
            throw new IllegalArgumentException("penalty must be finite, got " + penalty);
        }
        return new AttentionMask(keyLengths, keyPadding, paddingKeeps, causal, masked, additive, penalty);
    }

    /** True when this mask excludes masked scores (no {@link #withPenalty}). */
    public boolean excludes() {
        return penalty == Float.NEGATIVE_INFINITY;
    }

    /** True when {@code thread} may read every mask tensor (none is confined to another thread). */
    boolean accessibleBy(Thread thread) {
        return (keyLengths == null || keyLengths.segment().isAccessibleBy(thread))
                && (keyPadding == null || keyPadding.segment().isAccessibleBy(thread))
                && (masked == null || masked.segment().isAccessibleBy(thread))
                && (additive == null || additive.segment().isAccessibleBy(thread));
    }

    /**
     * Checks every part against a call's shape.
     *
     * @throws IllegalArgumentException naming the part and both shapes when one does not fit
     * @throws IllegalStateException if a mask tensor's memory is closed
     */
    void check(int batch, int heads, int tq, int tk) {
        if (keyLengths != null) {
            if (!keyLengths.isAlive()) {
                throw new IllegalStateException("keyLengths: the arena that owns this tensor is closed");
            }
            if (keyLengths.dim(0) != batch) {
                throw new IllegalArgumentException(
                        "keyLengths has " + keyLengths.dim(0) + " entries for a batch of " + batch);
            }
            for (int b = 0; b < batch; b++) {
                long length = keyLength(b);
                if (length < 0 || length > tk) {
                    throw new IllegalArgumentException(
                            "keyLengths[" + b + "] = " + length + " is out of range [0, " + tk + "]");
                }
            }
        }
        if (keyPadding != null) {
            checkTensor(paddingKeeps ? "keyKeep" : "keyPadding", keyPadding, DType.I8, Shapes.is(keyPadding, batch, tk),
                    batch, heads, tq, tk);
        }
        if (masked != null) {
            checkTensor("mask", masked, DType.I8, fits(masked, batch, heads, tq, tk), batch, heads, tq, tk);
        }
        if (additive != null) {
            checkTensor("additive", additive, DType.F32, fits(additive, batch, heads, tq, tk), batch, heads, tq, tk);
        }
    }

    /** Binds the parts for batch entry {@code b}, head {@code h} of a checked {@code [tq, tk]} problem. */
    void bind(MaskView view, int b, int h, int tq, int tk) {
        view.tq = tq;
        view.tk = tk;
        view.keyLimit = keyLengths == null ? tk : (int) keyLength(b);
        view.causal = causal != Causal.NONE;
        view.causalOffset = causal == Causal.END ? (long) tk - tq : 0;
        view.pad = keyPadding == null ? null : keyPadding.segment();
        view.padOff = keyPadding == null ? 0 : keyPadding.offset() + b * keyPadding.stride(0);
        view.padKeeps = paddingKeeps;
        view.bool = masked == null ? null : masked.segment();
        view.boolOff = masked == null ? 0 : matrixOffset(masked, b, h);
        view.boolLd = masked == null ? 0 : masked.stride(-2);
        view.add = additive == null ? null : additive.segment();
        view.addOff = additive == null ? 0 : matrixOffset(additive, b, h);
        view.addLd = additive == null ? 0 : additive.stride(-2);
        view.penalty = penalty;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("AttentionMask(");
        if (keyLengths != null) {
            sb.append(" keyLengths=").append(keyLengths);
        }
        if (keyPadding != null) {
            sb.append(paddingKeeps ? " keyKeep=" : " keyPadding=").append(Arrays.toString(keyPadding.shape()));
        }
        if (causal != Causal.NONE) {
            sb.append(causal == Causal.END ? " causal" : " causalFromStart");
        }
        if (masked != null) {
            sb.append(" mask=").append(Arrays.toString(masked.shape()));
        }
        if (additive != null) {
            sb.append(" additive=").append(Arrays.toString(additive.shape()));
        }
        if (!excludes()) {
            sb.append(" penalty=").append(penalty);
        }
        return sb.append(" )").toString();
    }

    /** Element offset of the {@code [tq, tk]} matrix of (b, h) in a rank 2, 3 or 4 mask. */
    private static long matrixOffset(Tensor t, int b, int h) {
        return switch (t.rank()) {
            case 2 -> t.offset();
            case 3 -> t.offset() + b * t.stride(0);
            default -> t.offset() + b * t.stride(0) + h * t.stride(1);
        };
    }

    /** True when a mask tensor is {@code (Tq, Tk)}, {@code (B, Tq, Tk)} or {@code (B, H, Tq, Tk)}. */
    private static boolean fits(Tensor t, int batch, int heads, int tq, int tk) {
        return Shapes.is(t, tq, tk) || Shapes.is(t, batch, tq, tk) || Shapes.is(t, batch, heads, tq, tk);
    }

    private static void checkTensor(String name, Tensor t, DType dtype, boolean fits, int batch, int heads, int tq,
            int tk) {
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(
                    name + " must be " + dtype + ", got " + t.dtype() + Arrays.toString(t.shape()));
        }
        if (!fits) {
            String expected = name.startsWith("key")
                    ? Shapes.of(batch, tk)
                    : t.rank() == 2
                            ? Shapes.of(tq, tk)
                            : t.rank() == 3 ? Shapes.of(batch, tq, tk) : Shapes.of(batch, heads, tq, tk);
            throw new IllegalArgumentException(
                    name + " has shape " + Arrays.toString(t.shape()) + ", expected " + expected
                            + (name.startsWith("key") ? "" : " (or (Tq, Tk), (B, Tq, Tk), (B, H, Tq, Tk))"));
        }
        if (t.dim(-1) > 1 && t.stride(-1) != 1) {
            throw new IllegalArgumentException(name + ": the last dimension must be contiguous, strides "
                    + Arrays.toString(t.strides()));
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(name + ": the arena that owns this mask is closed");
        }
    }

    private static void requirePartAbsent(Object part, String what) {
        if (part != null) {
            throw new IllegalArgumentException(
                    "this mask already has " + what + "; combine masks into one tensor first");
        }
    }

    private static Tensor requireNonNull(Tensor t, String name) {
        if (t == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        return t;
    }
}
