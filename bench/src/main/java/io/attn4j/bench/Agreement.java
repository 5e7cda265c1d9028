package io.attn4j.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntToDoubleFunction;

/**
 * The check every {@code @Setup} makes before anything is timed: an implementation's result
 * against the attn4j scalar reference, within a bound derived for the workload. A mismatch
 * stops the benchmark, since a fast wrong answer measures nothing.
 */
final class Agreement {
    /** Float unit roundoff. */
    static final double EPS = 0x1p-24;

    private Agreement() {
    }

    /**
     * Requires {@code |actual[i] - expected[i]| <= bound(i)} for every {@code i < expected.length}
     * (NaN never passes).
     *
     * @throws IllegalStateException naming {@code what} and the first element out of bounds
     */
    static void require(String what, float[] expected, MemorySegment actual, IntToDoubleFunction bound) {
        require(what, "the scalar reference", expected, actual, bound);
    }

    /**
     * {@link #require(String, float[], MemorySegment, IntToDoubleFunction)} against another
     * reference, named {@code reference} in the message (e.g. where a benchmark's JVM cannot run
     * the scalar kernels beside the vector ones).
     */
    static void require(String what, String reference, float[] expected, MemorySegment actual,
            IntToDoubleFunction bound) {
        for (int i = 0; i < expected.length; i++) {
            float got = actual.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            double tol = bound.applyAsDouble(i);
            if (!(Math.abs((double) got - expected[i]) <= tol)) {
                throw new IllegalStateException(what + " disagrees with " + reference + " at element " + i
                        + ": " + got + " vs " + expected[i] + " (tolerance " + tol + ")");
            }
        }
    }

    /** Scalar form of {@link #require(String, float[], MemorySegment, IntToDoubleFunction)}. */
    static void require(String what, float expected, float actual, double bound) {
        if (!(Math.abs((double) actual - expected) <= bound)) {
            throw new IllegalStateException(what + " disagrees with the scalar reference: " + actual + " vs "
                    + expected + " (tolerance " + bound + ")");
        }
    }

    /** Euclidean norm of each row of a row-major {@code rows x cols} matrix, in double. */
    static double[] rowNorms(MemorySegment m, int rows, int cols) {
        double[] norms = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                double v = m.getAtIndex(ValueLayout.JAVA_FLOAT, (long) r * cols + c);
                s += v * v;
            }
            norms[r] = Math.sqrt(s);
        }
        return norms;
    }

    /** Euclidean norm of each column of a row-major {@code rows x cols} matrix, in double. */
    static double[] columnNorms(MemorySegment m, int rows, int cols) {
        double[] squares = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double v = m.getAtIndex(ValueLayout.JAVA_FLOAT, (long) r * cols + c);
                squares[c] += v * v;
            }
        }
        double[] norms = new double[cols];
        for (int c = 0; c < cols; c++) {
            norms[c] = Math.sqrt(squares[c]);
        }
        return norms;
    }
}
