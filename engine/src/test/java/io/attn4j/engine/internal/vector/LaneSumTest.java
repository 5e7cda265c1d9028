package io.attn4j.engine.internal.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attn4j.engine.testing.RandomTrials;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link LaneSum} is the pairwise tree it documents, to the bit, at every width. */
@Tag("vector-width")
class LaneSumTest {

    @Test
    void sumsInThePairwiseOrder() {
        RandomTrials.run(2000, rnd -> {
            float[] lanes = new float[Simd.LANES];
            for (int i = 0; i < lanes.length; i++) {
                lanes[i] = switch (rnd.nextInt(6)) {
                    case 0 -> (float) rnd.nextGaussian() * 1e30f;
                    case 1 -> (float) rnd.nextGaussian() * 1e-30f;
                    default -> (float) rnd.nextGaussian();
                };
            }
            float want = pairwise(lanes.clone());
            float got = LaneSum.of(FloatVector.fromArray(Simd.SPECIES, lanes, 0));
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), java.util.Arrays.toString(lanes));
        });
    }

    /** The documented order on an array: a[i] += a[i + half], half = L/2, L/4, ..., 1. */
    private static float pairwise(float[] a) {
        for (int half = a.length / 2; half > 0; half /= 2) {
            for (int i = 0; i < half; i++) {
                a[i] += a[i + half];
            }
        }
        return a[0];
    }
}
