package io.attn4j.attention;

/**
 * Dot-product attention evaluated in double from float inputs, the oracle of the property tests,
 * with the error bound a float implementation must meet.
 *
 * <p>Layouts (row-major arrays): q {@code [B, H, Tq, d]}, k {@code [B, Hkv, Tk, d]}, v
 * {@code [B, Hkv, Tk, dv]}; head h reads kv head {@code h / (H / Hkv)}.
 *
 * <h2>Bound</h2>
 * A float implementation computes each score with an error {@code |δ_ij| <= Δ_i}; then each
 * weight is within a factor {@code e^(±2Δ_i)} of the exact one, so
 * {@code |c_i - ĉ_i| <= (e^(2Δ_i) - 1) sum_j w_j |v_j|}, plus the rounding of the softmax sum,
 * the weighted sum and the online rescalings (at most one per key), {@code (3 Tk + 16) eps sum_j w_j |v_j|}.
 * For the score error: {@code Δ_i = (d + 2) eps |scale| max_j sum_c |q_ic k_jc|} (the GEMM or dot
 * bound and the scale's rounding) plus the exp's ulps ({@code 2 eps} each, relative) plus the
 * additive mask's rounding ({@code eps |a|}). Subtracting the row max rounds by
 * {@code eps (m - s_j)} in key j's exponent, which weighs {@code w_j (m - s_j) <= w_j ln(Tk)} on
 * average: {@code eps (ln Tk + 1) max_j |v_j|} more. A factor of 2 on top covers second-order terms.
 */
final class DoubleReference {
    static final double EPS = 0x1p-24;

    final double[] context;
    final double[] weights;
    /** Allowed |error| per context element. */
    final double[] bound;

    private DoubleReference(int n, int nw) {
        context = new double[n];
        weights = new double[nw];
        bound = new double[n];
    }

    static DoubleReference compute(float[] q, float[] k, float[] v, int batch, int heads, int kvHeads, int tq, int tk,
            int d, int dv, float scale, RandomMask mask) {
        DoubleReference r = new DoubleReference(batch * heads * tq * dv, batch * heads * tq * tk);
        double[] s = new double[tk];
        boolean[] live = new boolean[tk];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int g = h / (heads / kvHeads);
                long kBase = ((long) b * kvHeads + g) * tk;
                for (int i = 0; i < tq; i++) {
                    long qRow = (((long) b * heads + h) * tq + i) * d;
                    double m = Double.NEGATIVE_INFINITY, magMax = 0, addMax = 0;
                    for (int j = 0; j < tk; j++) {
                        live[j] = !mask.excluded(b, h, i, j);
                        if (!live[j]) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0, abs = 0;
                        for (int c = 0; c < d; c++) {
                            double p = (double) q[(int) (qRow + c)] * k[(int) ((kBase + j) * d + c)];
                            dot += p;
                            abs += Math.abs(p);
                        }
                        float a = mask.additive(b, i, j);
                        s[j] = scale * dot + a;
                        magMax = Math.max(magMax, abs);
                        addMax = Math.max(addMax, Math.abs(a));
                        m = Math.max(m, s[j]);
                    }
                    long out = (((long) b * heads + h) * tq + i);
                    if (m == Double.NEGATIVE_INFINITY) {
                        continue; // fully masked: zeros, exactly
                    }
                    double sum = 0;
                    for (int j = 0; j < tk; j++) {
                        if (s[j] != Double.NEGATIVE_INFINITY) {
                            s[j] = Math.exp(s[j] - m);
                            sum += s[j];
                        } else {
                            s[j] = 0;
                        }
                    }
                    for (int j = 0; j < tk; j++) {
                        s[j] /= sum;
                    }
                    double delta = (d + 2) * EPS * Math.abs(scale) * magMax + EPS * addMax + 4 * EPS;
                    double factor = Math.expm1(2 * delta) + (3.0 * tk + 16) * EPS;
                    for (int c = 0; c < dv; c++) {
                        double acc = 0, absAcc = 0, vMax = 0;
                        for (int j = 0; j < tk; j++) {
                            if (!live[j]) {
                                continue;
                            }
                            double w = s[j];
                            double x = v[(int) ((kBase + j) * dv + c)];
                            acc += w * x;
                            absAcc += w * Math.abs(x);
                            vMax = Math.max(vMax, Math.abs(x));
                        }
                        r.context[(int) (out * dv + c)] = acc;
                        r.bound[(int) (out * dv + c)] = 2 * (factor * absAcc + EPS * (Math.log(tk) + 1) * vMax)
                                + Float.MIN_NORMAL;
                    }
                    for (int j = 0; j < tk; j++) {
                        r.weights[(int) (out * tk + j)] = s[j];
                    }
                }
            }
        }
        return r;
    }

    /** Fails with the worst element unless every {@code got} is within its bound (fully masked rows: exactly 0). */
    void assertContext(String what, float[] got) {
        int worst = -1;
        double ratio = 0;
        for (int x = 0; x < got.length; x++) {
            double err = Math.abs(got[x] - context[x]);
            double rel = bound[x] == 0 ? (got[x] == 0 ? 0 : Double.POSITIVE_INFINITY) : err / bound[x];
            if (!(rel <= 1) && !(rel <= ratio)) {
                ratio = Double.isNaN(rel) ? Double.POSITIVE_INFINITY : rel;
                worst = x;
            }
        }
        if (worst >= 0) {
            throw new AssertionError(what + ": context[" + worst + "] = " + got[worst] + ", expected " + context[worst]
                    + " within " + bound[worst] + " (error " + Math.abs(got[worst] - context[worst]) + ")");
        }
    }
}
