package io.attn4j.model.graph;

/**
 * One value of a model graph, as shapes and kinds known at load time; its memory lives in each
 * session ({@link Frame}). A value is a batch of sequences {@code (B, T, features)} or of vectors
 * {@code (B, features)}; {@code T} is the call's length, the same for every sequence value of the
 * graph.
 *
 * <p>Invariant of a call with lengths {@code L_b}: a sequence value holds 0 at every step
 * {@code t >= L_b} of row b (so that a layer may run on whole rows and read nothing undefined);
 * a mask holds 0 there.
 */
public final class Port {
    /** What the memory holds. */
    public enum Kind {
        /** float32 values. */
        F32,
        /** One byte per step {@code (B, T)}: 1 = valid (Keras' {@code True}), 0 = masked. */
        MASK,
        /** One byte per element {@code (B, T, features)}, 1 = true (an intermediate of a mask computation). */
        BOOL,
        /** int32 token ids {@code (B, T)}. */
        TOKENS
    }

    final int id;
    final Kind kind;
    final boolean sequence;
    final int features;
    /** The Keras mask that travels with this value (a {@link Kind#MASK} port), or null. */
    final Port mask;
    /** Where the value comes from, {@code layer} or {@code layer[i]}, for messages. */
    final String label;

    Port(int id, Kind kind, boolean sequence, int features, Port mask, String label) {
        this.id = id;
        this.kind = kind;
        this.sequence = sequence;
        this.features = features;
        this.mask = mask;
        this.label = label;
    }

    /** A mask {@code (B, T)} seen as booleans {@code (B, T, 1)} (Keras' {@code expand_dims(mask, -1)}): the same bytes. */
    Port asBooleans() {
        return new Port(id, Kind.BOOL, true, 1, null, label);
    }

    /** The same memory with another mask (a layer that passes its input on unchanged). */
    Port withMask(Port newMask) {
        return new Port(id, kind, sequence, features, newMask, label);
    }

    public Kind kind() {
        return kind;
    }

    public boolean sequence() {
        return sequence;
    }

    public int features() {
        return features;
    }

    public Port mask() {
        return mask;
    }

    /** The shape as Keras prints it: {@code (None, None, 64)} or {@code (None, 64)}. */
    public String shape() {
        if (kind == Kind.MASK || kind == Kind.TOKENS) {
            return "(None, None)";
        }
        return sequence ? "(None, None, " + features + ")" : "(None, " + features + ")";
    }

    @Override
    public String toString() {
        return label + shape();
    }
}
