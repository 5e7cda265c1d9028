package io.attn4j.engine.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A quick check of every {@link Kernels} method of one implementation against another (normally
 * the scalar reference, {@link KernelProvider#scalar()}), for {@code attn4j info}: small deterministic random inputs
 * at sizes that reach every vector body and tail for 4 to 16 lanes, odd offsets, special values,
 * masks, transposes and {@code beta = 0} over NaN. Outputs are compared element by element, and
 * the memory around them (before the offset, after the end, between matrix rows) must be untouched.
 *
 * <p>Bounds on {@code |candidate - reference|}, {@code eps = 2^-24}:
 * <ul>
 *   <li>add, mul, fma, axpy, scale, relu, max, argmax: exact (each is one IEEE operation, or none).</li>
 *   <li>exp, tanh, sigmoid: 5 ulps of the reference plus 1e-37 absolute: the candidate's 4 ulps
 *       (plus 1e-37 where the result is subnormal) and the reference's own rounding, at most
 *       0.5 ulp, rounded up.</li>
 *   <li>dot, sum: {@code 2 (n + 1) eps sum|terms|}: each side is within {@code n eps sum|terms|} of
 *       the exact sum, plus one rounding of the result.</li>
 *   <li>gemv, gemm: {@code 2 (k + 2) eps (|alpha| sum_l |a b| + |beta c|)} per output: k products,
 *       the alpha scaling and the beta term, on each side.</li>
 *   <li>packB: a product with B packed equals the same implementation's unpacked product, bit for bit.</li>
 *   <li>softmaxRows: {@code (cols + 8) eps |reference| + 1e-30} per output.</li>
 *   <li>logSumExp: {@code (2n + 12) eps + 2 eps |reference|}: the sum of exps differs by at most
 *       {@code 2n eps} (order) plus 10 eps (5 ulps of exp) relative, which the log turns into an
 *       absolute error, plus one rounding of the final add on each side.</li>
 * </ul>
 * NaN must meet NaN, and an infinite reference must be met exactly.
 */
public final class SelfCheck {
    private static final double EPS = 0x1p-24;
    /** Reaches lanes - 1, lanes, lanes + 1 and unrolled bodies of 4, 8 and 16 lanes, and beyond. */
    private static final int[] SIZES = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129,
            257};

    /**
     * One kernel's verdict. {@code error} and {@code bound} are those of the value that came
     * closest to its bound (the largest error/bound ratio; when every error is 0, the tightest
     * bound), in {@code unit}: {@code "ulp"}, {@code "abs"} (absolute) or {@code "index"}.
     *
     * @param compared how many values were compared: outputs, and the memory around them
     * @param failure null when every value is within its bound, else what went wrong first
     */
    public record Result(String kernel, double error, double bound, String unit, int compared, String failure) {
        public boolean passed() {
            return failure == null;
        }
    }

    private final Kernels candidate;
    private final Kernels reference;
    private final Arena arena;

    private SelfCheck(Kernels candidate, Kernels reference, Arena arena) {
        this.candidate = candidate;
        this.reference = reference;
        this.arena = arena;
    }

    /** Checks {@code candidate} against the scalar reference. */
    public static List<Result> run(Kernels candidate) {
        return run(candidate, KernelProvider.scalar());
    }

    /** Checks every method of {@code candidate} against {@code reference}, in the order of {@link Kernels}. */
    public static List<Result> run(Kernels candidate, Kernels reference) {
        try (Arena arena = Arena.ofConfined()) {
            SelfCheck c = new SelfCheck(candidate, reference, arena);
            List<Result> results = new ArrayList<>();
            results.add(c.guarded("dot", "abs", c::dot));
            results.add(c.guarded("axpy", "ulp", v -> c.elementwise(v, -4, 4, 0, new float[0],
                    (k, n, x, xo, out, oo) -> k.axpy(n, -0.3f, x, xo, out, oo), false)));
            results.add(c.guarded("scale", "ulp",
                    v -> c.elementwise(v, -4, 4, 0, new float[]{Float.MAX_VALUE, Float.MIN_VALUE},
                            (k, n, x, xo, out, oo) -> k.scale(n, 1.7f, out, oo), true)));
            results.add(c.guarded("add", "ulp", v -> c.binary(v, Kernels::add)));
            results.add(c.guarded("mul", "ulp", v -> c.binary(v, Kernels::mul)));
            results.add(c.guarded("fma", "ulp", v -> c.binary(v,
                    (k, n, a, ao, b, bo, out, oo) -> k.fma(n, a, ao, b, bo, a, ao + 1, out, oo))));
            results.add(c.guarded("sum", "abs", c::sum));
            results.add(c.guarded("max", "abs", v -> c.reduction(v, false)));
            results.add(c.guarded("argmax", "index", v -> c.reduction(v, true)));
            results.add(c.guarded("exp", "ulp", v -> c.elementwise(v, -20, 20, 5,
                    new float[]{0f, -0f, -100f, -88f, 88f, 89f, -87.5f, 1e-30f}, Kernels::exp, false)));
            results.add(c.guarded("tanh", "ulp", v -> c.elementwise(v, -10, 10, 5,
                    new float[]{0f, -0f, 1e-30f, -1e-30f, 1e-45f, 20f, -20f, 0.3f}, Kernels::tanh, false)));
            results.add(c.guarded("sigmoid", "ulp", v -> c.elementwise(v, -20, 20, 5,
                    new float[]{0f, -0f, -100f, 100f, -88f, 17f, -17f}, Kernels::sigmoid, false)));
            results.add(c.guarded("relu", "ulp", v -> c.elementwise(v, -4, 4, 0,
                    new float[]{Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE},
                    Kernels::relu, false)));
            results.add(c.guarded("softmaxRows", "abs", c::softmax));
            results.add(c.guarded("logSumExp", "abs", c::logSumExp));
            results.add(c.guarded("gemv", "abs", c::gemv));
            results.add(c.guarded("gemm", "abs", c::gemm));
            results.add(c.guarded("packB", "abs", c::packedGemm));
            return results;
        }
    }

    // ---- verdicts -------------------------------------------------------------------------

    /**
     * Collects the comparisons of one kernel. It reports the error and bound of the output with the
     * largest error/bound ratio; when every error is 0, the tightest positive bound met.
     */
    private static final class Verdict {
        double error, bound, ratio;
        double tightest = Double.POSITIVE_INFINITY;
        int compared;
        String failure;

        /** Records one output: {@code where} describes it if it fails. */
        void compare(double got, double want, double boundAbs, double unit, String where) {
            compared++;
            double err;
            if (Double.isNaN(want) || Double.isNaN(got) || Double.isInfinite(want) || Double.isInfinite(got)) {
                // NaN must meet NaN and infinity the same infinity: no bound applies
                err = Double.compare(got, want) == 0 || (Double.isNaN(got) && Double.isNaN(want))
                        ? 0
                        : Double.POSITIVE_INFINITY;
                boundAbs = 0;
            } else {
                err = Math.abs(got - want);
            }
            double r = err == 0 ? 0 : boundAbs == 0 ? Double.POSITIVE_INFINITY : err / boundAbs;
            if (boundAbs > 0 && boundAbs / unit < tightest) {
                tightest = boundAbs / unit;
            }
            if (r > ratio) {
                ratio = r;
                error = err / unit;
                bound = boundAbs / unit;
            } else if (ratio == 0) {
                bound = tightest == Double.POSITIVE_INFINITY ? 0 : tightest;
            }
            if (r > 1 && failure == null) {
                failure = where + ": got " + got + ", reference " + want + " (|difference| " + err + " > bound "
                        + boundAbs + ")";
            }
        }

        /** Element-wise: error and bound in ulps of the reference value. */
        void ulps(float got, float want, double boundUlps, double floor, String where) {
            double ulp = Math.ulp(Float.isFinite(want) ? want : Float.MAX_VALUE);
            compare(got, want, boundUlps * ulp + floor, ulp, where);
        }
    }

    @FunctionalInterface
    private interface Check {
        void run(Verdict v);
    }

    private Result guarded(String kernel, String unit, Check check) {
        Verdict v = new Verdict();
        try {
            check.run(v);
        } catch (RuntimeException e) {
            v.failure = "threw " + e;
        }
        return new Result(kernel, v.error, v.bound, unit, v.compared, v.failure);
    }

    // ---- inputs ---------------------------------------------------------------------------

    private final SplittableRandom random = new SplittableRandom(0x5e1fc43cL);

    /** {@code n} uniform values in [lo, hi), with {@code specials} at the start and again at the end. */
    private float[] values(int n, double lo, double hi, float[] specials) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextDouble(lo, hi);
        }
        for (int i = 0; i < specials.length && i < n; i++) {
            v[i] = specials[i];
            v[n - 1 - i] = specials[specials.length - 1 - i];
        }
        return v;
    }

    /** A new segment holding {@code v} from element {@code offset} on, NaN before it. */
    private MemorySegment segment(float[] v, int offset) {
        MemorySegment s = arena.allocate(4L * (v.length + offset + 1), 64);
        for (int i = 0; i < offset; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.NaN);
        }
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT, 4L * offset, v.length);
        return s;
    }

    private static float[] floats(MemorySegment s, int offset, int n) {
        float[] out = new float[n];
        MemorySegment.copy(s, ValueLayout.JAVA_FLOAT, 4L * offset, out, 0, n);
        return out;
    }

    // ---- level 1 --------------------------------------------------------------------------

    @FunctionalInterface
    private interface Unary {
        void call(Kernels k, int n, MemorySegment x, long xOff, MemorySegment out, long outOff);
    }

    @FunctionalInterface
    private interface Binary {
        void call(Kernels k, int n, MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out,
                long outOff);
    }

    /**
     * {@code out = f(x, out)}, bounded in ulps. {@code out} starts as a copy of {@code x} when
     * {@code inPlace} (a kernel that works on one operand), else as other values, so that an output
     * left unwritten shows.
     */
    private void elementwise(Verdict v, double lo, double hi, double ulps, float[] specials, Unary f, boolean inPlace) {
        for (int n : SIZES) {
            int off = n % 4;
            float[] x = values(n, lo, hi, specials), out0 = values(n, -4, 4, new float[0]);
            float[][] results = new float[2][];
            for (int side = 0; side < 2; side++) {
                MemorySegment xs = segment(x, off), outs = segment(inPlace ? x : out0, off + 1);
                f.call(side == 0 ? candidate : reference, n, xs, off, outs, off + 1);
                results[side] = floats(outs, 0, off + n + 2);
            }
            for (int i = 0; i < off + n + 2; i++) {
                int e = i - off - 1;
                if (e < 0 || e >= n) {
                    v.ulps(results[0][i], results[1][i], 0, 0, "n=" + n + ": memory next to the output, element " + e);
                } else {
                    v.ulps(results[0][i], results[1][i], ulps, ulps == 0 ? 0 : 1e-37,
                            "n=" + n + " x[" + e + "]=" + x[e]);
                }
            }
        }
    }

    private void binary(Verdict v, Binary f) {
        for (int n : SIZES) {
            int off = (n + 1) % 4;
            float[] a = values(n + 1, -4, 4, new float[]{-0f, Float.NaN}), b = values(n, -4, 4, new float[]{0f});
            float[] out0 = values(n, -4, 4, new float[0]);
            float[][] results = new float[2][];
            for (int side = 0; side < 2; side++) {
                MemorySegment out = segment(out0, 2);
                f.call(side == 0 ? candidate : reference, n, segment(a, off), off, segment(b, 3), 3, out, 2);
                results[side] = floats(out, 0, n + 3); // two NaNs before the output, a zero after it
            }
            for (int i = 0; i < n + 3; i++) {
                v.ulps(results[0][i], results[1][i], 0, 0, "n=" + n + " element " + (i - 2));
            }
        }
    }

    private void dot(Verdict v) {
        for (int n : SIZES) {
            float[] x = values(n, -2, 2, new float[0]), y = values(n, -2, 2, new float[0]);
            double terms = 0;
            for (int i = 0; i < n; i++) {
                terms += Math.abs((double) x[i] * y[i]);
            }
            float got = candidate.dot(n, segment(x, 1), 1, segment(y, 2), 2);
            float want = reference.dot(n, segment(x, 1), 1, segment(y, 2), 2);
            v.compare(got, want, 2 * (n + 1) * EPS * terms, 1, "n=" + n);
        }
    }

    private void sum(Verdict v) {
        for (int n : SIZES) {
            float[] x = values(n, -3, 3, new float[0]);
            double terms = 0;
            for (float f : x) {
                terms += Math.abs(f);
            }
            v.compare(candidate.sum(n, segment(x, 3), 3), reference.sum(n, segment(x, 3), 3), 2 * (n + 1) * EPS * terms,
                    1, "n=" + n);
        }
    }

    /** max (exact value) or argmax (exact index), including ties, a NaN and -inf. */
    private void reduction(Verdict v, boolean argmax) {
        for (int n : SIZES) {
            for (int variant = 0; variant < 3; variant++) {
                float[] x = values(n, -3, 3, new float[0]);
                if (variant == 1 && n > 2) { // ties: the largest value twice
                    x[n / 3] = 7f;
                    x[n - 1] = 7f;
                } else if (variant == 2 && n > 0) {
                    x[random.nextInt(n)] = Float.NaN;
                    x[0] = Float.NEGATIVE_INFINITY;
                }
                MemorySegment s = segment(x, 1);
                String where = "n=" + n + " variant " + variant;
                if (argmax) {
                    v.compare(candidate.argmax(n, s, 1), reference.argmax(n, s, 1), 0, 1, where);
                } else {
                    v.compare(candidate.max(n, s, 1), reference.max(n, s, 1), 0, 1, where);
                }
            }
        }
    }

    private void logSumExp(Verdict v) {
        for (int n : SIZES) {
            float[] x = values(n, -30, 30, n > 4 ? new float[]{-1e30f, Float.NEGATIVE_INFINITY} : new float[0]);
            MemorySegment s = segment(x, 2);
            float want = reference.logSumExp(n, s, 2);
            v.compare(candidate.logSumExp(n, s, 2), want, (2.0 * n + 12) * EPS + 2 * EPS * Math.abs(want), 1, "n=" + n);
        }
    }

    // ---- softmax ----------------------------------------------------------------------------

    private void softmax(Verdict v) {
        int[][] shapes = {{1, 1}, {3, 7}, {5, 16}, {4, 17}, {2, 33}, {3, 100}, {2, 257}};
        for (int[] shape : shapes) {
            int rows = shape[0], cols = shape[1], ld = cols + 3;
            for (int variant = 0; variant < 3; variant++) {
                float[] x = values(rows * ld, -3, 3, new float[]{Float.NEGATIVE_INFINITY, -1e30f});
                SoftmaxMask mask = null;
                if (variant == 1) {
                    float[] add = values(rows * cols, -1, 1, new float[]{Float.NEGATIVE_INFINITY});
                    mask = SoftmaxMask.additive(segment(add, 0), 0, cols);
                } else if (variant == 2) {
                    MemorySegment ex = arena.allocate((long) rows * cols);
                    for (int i = 0; i < rows * cols; i++) {
                        // one row fully masked (its rule: zeros), the others about 30%
                        boolean masked = i / cols == rows - 1 && rows > 1 || random.nextDouble() < 0.3;
                        ex.set(ValueLayout.JAVA_BYTE, i, (byte) (masked ? 1 : 0));
                    }
                    mask = SoftmaxMask.excluded(ex, 0, cols);
                }
                float[] out0 = values(rows * ld, 0, 1, new float[0]);
                float[][] results = new float[2][];
                for (int side = 0; side < 2; side++) {
                    MemorySegment out = segment(out0, 0);
                    (side == 0 ? candidate : reference).softmaxRows(rows, cols, 0.7f, segment(x, 1), 1, ld, mask, out,
                            0, ld);
                    results[side] = floats(out, 0, rows * ld);
                }
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < ld; j++) { // columns cols..ld-1 lie between rows: never written
                        float want = results[1][r * ld + j];
                        double bound = j < cols ? (cols + 8) * EPS * Math.abs(want) + 1e-30 : 0;
                        v.compare(results[0][r * ld + j], want, bound, 1,
                                rows + "x" + cols + " variant " + variant + " at (" + r + ", " + j + ")");
                    }
                }
            }
        }
    }

    // ---- level 2 and 3 -----------------------------------------------------------------------

    private void gemv(Verdict v) {
        int[][] shapes = {{1, 1}, {3, 5}, {7, 16}, {17, 9}, {33, 65}, {64, 64}, {100, 37}};
        for (int[] shape : shapes) {
            int m = shape[0], n = shape[1], lda = n + 2;
            for (Transpose t : Transpose.values()) {
                int outs = t == Transpose.NO ? m : n, terms = t == Transpose.NO ? n : m;
                for (float beta : new float[]{0f, 0.5f}) {
                    float alpha = 1.3f;
                    float[] a = values(m * lda, -1, 1, new float[0]), x = values(terms, -1, 1, new float[0]);
                    float[] y0 = beta == 0 ? nans(outs) : values(outs, -1, 1, new float[0]);
                    float[][] results = new float[2][];
                    for (int side = 0; side < 2; side++) {
                        MemorySegment y = segment(y0, 1);
                        (side == 0 ? candidate : reference).gemv(t, m, n, alpha, segment(a, 0), 0, lda, segment(x, 3),
                                3, beta, y, 1);
                        results[side] = floats(y, 1, outs);
                    }
                    for (int i = 0; i < outs; i++) {
                        double magnitude = 0;
                        for (int l = 0; l < terms; l++) {
                            float ail = t == Transpose.NO ? a[i * lda + l] : a[l * lda + i];
                            magnitude += Math.abs((double) ail * x[l]);
                        }
                        magnitude = Math.abs(alpha) * magnitude + (beta == 0 ? 0 : Math.abs(beta * y0[i]));
                        v.compare(results[0][i], results[1][i], 2 * (terms + 2) * EPS * magnitude, 1,
                                m + "x" + n + " " + t + " beta " + beta + " y[" + i + "]");
                    }
                }
            }
        }
    }

    private void gemm(Verdict v) {
        int[][] shapes = {{1, 1, 1}, {2, 3, 4}, {5, 7, 3}, {6, 32, 1}, {13, 17, 19}, {33, 40, 65}, {7, 33, 70}};
        for (int[] shape : shapes) {
            int m = shape[0], n = shape[1], k = shape[2];
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) {
                    for (float beta : new float[]{0f, 1.5f}) {
                        gemmCase(v, m, n, k, ta, tb, 0.9f, beta);
                    }
                }
            }
        }
    }

    private void gemmCase(Verdict v, int m, int n, int k, Transpose ta, Transpose tb, float alpha, float beta) {
        boolean at = ta == Transpose.YES, bt = tb == Transpose.YES;
        int lda = (at ? m : k) + 1, ldb = (bt ? k : n) + 2, ldc = n + 3;
        float[] a = values((at ? k : m) * lda, -1, 1, new float[0]),
                b = values((bt ? n : k) * ldb, -1, 1, new float[0]);
        float[] c0 = beta == 0 ? nans(m * ldc) : values(m * ldc, -1, 1, new float[0]);
        float[][] results = new float[2][];
        for (int side = 0; side < 2; side++) {
            MemorySegment c = segment(c0, 0);
            (side == 0 ? candidate : reference).gemm(ta, tb, m, n, k, alpha, segment(a, 1), 1, lda, segment(b, 0), 0,
                    ldb, beta, c, 0, ldc);
            results[side] = floats(c, 0, m * ldc);
        }
        for (int i = 0; i < m; i++) {
            for (int j = n; j < ldc; j++) { // between the rows of C: never written
                v.compare(results[0][i * ldc + j], results[1][i * ldc + j], 0, 1, "C gap (" + i + ", " + j + ")");
            }
            for (int j = 0; j < n; j++) {
                double magnitude = 0;
                for (int l = 0; l < k; l++) {
                    float ail = at ? a[l * lda + i] : a[i * lda + l];
                    float blj = bt ? b[j * ldb + l] : b[l * ldb + j];
                    magnitude += Math.abs((double) ail * blj);
                }
                magnitude = Math.abs(alpha) * magnitude + (beta == 0 ? 0 : Math.abs(beta * c0[i * ldc + j]));
                v.compare(results[0][i * ldc + j], results[1][i * ldc + j], 2 * (k + 2) * EPS * magnitude, 1,
                        m + "x" + n + "x" + k + " " + ta + "/" + tb + " beta " + beta + " C[" + i + ", " + j + "]");
            }
        }
    }

    /** A product with B packed by {@code packB} equals the candidate's own unpacked product, to the bit. */
    private void packedGemm(Verdict v) {
        int[][] shapes = {{1, 1, 1}, {5, 7, 3}, {13, 40, 19}, {7, 70, 33}};
        for (int[] shape : shapes) {
            int m = shape[0], n = shape[1], k = shape[2];
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) {
                    boolean at = ta == Transpose.YES, bt = tb == Transpose.YES;
                    int lda = (at ? m : k) + 1, ldb = (bt ? k : n) + 2;
                    float[] a = values((at ? k : m) * lda, -1, 1, new float[0]),
                            b = values((bt ? n : k) * ldb, -1, 1, new float[0]);
                    MemorySegment unpacked = segment(nans(m * n), 0), packed = segment(nans(m * n), 0);
                    candidate.gemm(ta, tb, m, n, k, 0.9f, segment(a, 0), 0, lda, segment(b, 0), 0, ldb, 0f, unpacked, 0,
                            n);
                    PackedMatrix pb = candidate.packB(tb, k, n, segment(b, 0), 0, ldb);
                    candidate.gemm(ta, m, 0.9f, segment(a, 0), 0, lda, pb, 0f, packed, 0, n);
                    float[] want = floats(unpacked, 0, m * n), got = floats(packed, 0, m * n);
                    for (int i = 0; i < want.length; i++) {
                        v.compare(got[i], want[i], 0, 1, m + "x" + n + "x" + k + " " + ta + "/" + tb + " C[" + i + "]");
                    }
                }
            }
        }
    }

    private static float[] nans(int n) {
        float[] v = new float[n];
        Arrays.fill(v, Float.NaN);
        return v;
    }
}
