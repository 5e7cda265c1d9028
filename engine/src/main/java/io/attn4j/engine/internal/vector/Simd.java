package io.attn4j.engine.internal.vector;

import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one place where vector species are created. Static finals, so that C2 folds them into
 * constants in every kernel. The width is the machine's preferred one unless
 * {@code -Dattn4j.vectorBits=128|256|512} asks for another (capped at the machine's maximum).
 */
public final class Simd {
    /** Float species every vector kernel uses. */
    public static final VectorSpecies<Float> SPECIES;
    /** Lanes of {@link #SPECIES}. */
    public static final int LANES;
    /**
     * Byte species for reading boolean masks beside {@link #SPECIES}: as many lanes as {@link #SPECIES}, or 8
     * when {@link #SPECIES} has 4 (there is no 32-bit shape), in which case only the first 4 are used.
     */
    public static final VectorSpecies<Byte> MASK_BYTES;
    /** Why this width was chosen, for {@code attn4j info} and the provider's log. */
    public static final String WIDTH_REASON;

    static {
        int max = VectorShape.preferredShape().vectorBitSize();
        String requested = System.getProperty("attn4j.vectorBits");
        int bits = max;
        String reason = "machine's preferred width";
        if (requested != null) {
            switch (requested.trim()) {
                case "128", "256", "512" -> {
                    int want = Integer.parseInt(requested.trim());
                    bits = Math.min(want, max);
                    reason = want <= max
                            ? "forced by -Dattn4j.vectorBits=" + want
                            : "-Dattn4j.vectorBits=" + want + " exceeds the machine's " + max + " bits; using " + max;
                }
                default -> reason = "ignored -Dattn4j.vectorBits=" + requested
                        + " (expected 128, 256 or 512); using preferred " + max;
            }
        }
        SPECIES = VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        LANES = SPECIES.length();
        MASK_BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, LANES * Byte.SIZE)));
        WIDTH_REASON = reason;
    }

    private Simd() {
    }

    /** Width of {@link #SPECIES} in bits. */
    public static int bits() {
        return SPECIES.vectorBitSize();
    }
}
