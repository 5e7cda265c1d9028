package io.attn4j.engine.internal.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums the lanes of a vector in one fixed order, a pairwise tree: lane i + lane i + L/2, then
 * + L/4, down to lane 0.
 *
 * <p>{@code reduceLanes(ADD)} leaves the order open, and C2's intrinsic and the interpreter's
 * fallback do use different orders, so the same call could round differently before and after
 * compilation, and a split over threads (some of whose code is not compiled yet) would not be
 * bit-identical to one call. Lane moves are exact and lanewise adds are IEEE adds, so this sum
 * has the same bits in every execution mode.
 *
 * <p>Each level adds the vector to itself with lanes {@code i} and {@code i ^ w} swapped, by a
 * constant shuffle: one permute and one add per level, small enough for C2 to inline into any
 * loop (a {@code slice} per level computes its shuffle and blend at run time, several times the
 * instructions). Widths up to 64 lanes, the widest float vector there is (2048-bit SVE).
 */
public final class LaneSum {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = Simd.LANES;
    private static final VectorShuffle<Float> SWAP_32 = swap(32), SWAP_16 = swap(16), SWAP_8 = swap(8),
            SWAP_4 = swap(4), SWAP_2 = swap(2), SWAP_1 = swap(1);

    private LaneSum() {
    }

    /** The sum of the lanes of {@code v}, a vector of {@link Simd#SPECIES}, in the pairwise order above. */
    public static float of(FloatVector v) {
        if (L > 32) {
            v = v.add(v.rearrange(SWAP_32));
        }
        if (L > 16) {
            v = v.add(v.rearrange(SWAP_16));
        }
        if (L > 8) {
            v = v.add(v.rearrange(SWAP_8));
        }
        if (L > 4) {
            v = v.add(v.rearrange(SWAP_4));
        }
        if (L > 2) {
            v = v.add(v.rearrange(SWAP_2));
        }
        if (L > 1) {
            v = v.add(v.rearrange(SWAP_1));
        }
        return v.lane(0);
    }

    /** Swaps lanes {@code i} and {@code i ^ w}; null where the species has no lane {@code w}. */
    private static VectorShuffle<Float> swap(int w) {
        return w < L ? VectorShuffle.fromOp(S, i -> i ^ w) : null;
    }
}
