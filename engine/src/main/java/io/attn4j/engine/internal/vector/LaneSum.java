package io.attn4j.engine.internal.vector;

import jdk.incubator.vector.FloatVector;

/**
 * Sums the lanes of a vector in one fixed order, a pairwise tree: lane i + lane i + L/2, then
 * + L/4, down to lane 0.
 *
 * <p>{@code reduceLanes(ADD)} leaves the order open, and C2's intrinsic and the interpreter's
 * fallback do use different orders, so the same call could round differently before and after
 * compilation, and a split over threads (some of whose code is not compiled yet) would not be
 * bit-identical to one call. Lane moves are exact and lanewise adds are IEEE adds, so this sum
 * has the same bits in every execution mode.
 */
public final class LaneSum {
    private LaneSum() {
    }

    /** The sum of {@code v}'s lanes in the pairwise order above. */
    public static float of(FloatVector v) {
        for (int half = v.length() / 2; half > 0; half /= 2) {
            v = v.add(v.slice(half));
        }
        return v.lane(0);
    }
}
