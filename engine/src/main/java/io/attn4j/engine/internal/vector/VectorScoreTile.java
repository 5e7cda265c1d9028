package io.attn4j.engine.internal.vector;

import static jdk.incubator.vector.FloatVector.broadcast;
import static jdk.incubator.vector.FloatVector.fromArray;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The score tile of a block of queries against a block of packed keys,
 * {@code S [r, c] = scale * (q_r . k_c)}, with each row's maximum over the block taken as the
 * tile is written (so the online softmax needs no pass of its own for it). A register-blocked
 * micro-kernel, the GEMM's shape: {@link #MR} query rows by one sliver of {@link #NR} keys (two
 * vectors), 12 accumulators, each one FMA chain over the features in order; the query row values
 * are broadcast from their rows, the keys read as whole sliver rows. Six more registers hold the
 * rows' running maxima across a row group's slivers. Every array index is linear in its loop
 * counter with a constant step, so C2 hoists the bounds checks out of the loops.
 *
 * <p>Error: each score is one FMA chain over d terms and one product by the scale,
 * {@code (d + 1) eps |scale| sum |q_c k_c|}.
 */
final class VectorScoreTile {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = Simd.LANES;
    /** Keys per sliver: two vectors, as the GEMM's packed B. */
    static final int NR = 2 * L;
    /** Query rows per micro-tile. */
    static final int MR = 6;

    private VectorScoreTile() {
    }

    /** See {@link io.attn4j.engine.internal.AttentionTiles#scoreTile}. */
    static void scoreTile(int rows, int n, int d, float scale, float[] q, int qOff, int ldq, float[] kp, int kpOff,
            float[] s, int sOff, int lds, float[] rowMax, int rowMaxOff) {
        int full = n / NR * NR;
        for (int r = 0; r < rows; r += MR) {
            rowGroup(full, d, scale, q, qOff + r * ldq, ldq, kp, kpOff, s, sOff + r * lds, lds, rowMax, rowMaxOff + r,
                    Math.min(MR, rows - r));
            if (full < n) {
                lastSliver(n - full, d, scale, q, qOff + r * ldq, ldq, kp, kpOff + full * d, s, sOff + r * lds + full,
                        lds, rowMax, rowMaxOff + r, Math.min(MR, rows - r));
            }
        }
    }

    /**
     * Rows {@code [0, MR)} of the group against the {@code full / NR} whole slivers; the maxima of
     * the first {@code valid} rows go to {@code rowMax}.
     */
    private static void rowGroup(int full, int d, float scale, float[] q, int qAt, int ldq, float[] kp, int kAt,
            float[] s, int sAt, int lds, float[] rowMax, int mAt, int valid) {
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0, m4 = m0,
                m5 = m0;
        for (int j = 0; j < full; j += NR) {
            FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
            FloatVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
            int kj = kAt + j * d;
            for (int l = 0; l < d; l++) {
                int qi = qAt + l, ki = kj + l * NR;
                FloatVector b0 = fromArray(S, kp, ki), b1 = fromArray(S, kp, ki + L);
                FloatVector x = broadcast(S, q[qi]);
                a00 = x.fma(b0, a00);
                a01 = x.fma(b1, a01);
                x = broadcast(S, q[qi + ldq]);
                a10 = x.fma(b0, a10);
                a11 = x.fma(b1, a11);
                x = broadcast(S, q[qi + 2 * ldq]);
                a20 = x.fma(b0, a20);
                a21 = x.fma(b1, a21);
                x = broadcast(S, q[qi + 3 * ldq]);
                a30 = x.fma(b0, a30);
                a31 = x.fma(b1, a31);
                x = broadcast(S, q[qi + 4 * ldq]);
                a40 = x.fma(b0, a40);
                a41 = x.fma(b1, a41);
                x = broadcast(S, q[qi + 5 * ldq]);
                a50 = x.fma(b0, a50);
                a51 = x.fma(b1, a51);
            }
            // s = scale * acc, written row by row; each row's maximum skips NaN (compare and blend: NaN never wins)
            int at = sAt + j;
            a00 = a00.mul(scale);
            a01 = a01.mul(scale);
            a00.intoArray(s, at);
            a01.intoArray(s, at + L);
            m0 = m0.blend(a00, m0.compare(VectorOperators.LT, a00));
            m0 = m0.blend(a01, m0.compare(VectorOperators.LT, a01));
            at += lds;
            a10 = a10.mul(scale);
            a11 = a11.mul(scale);
            a10.intoArray(s, at);
            a11.intoArray(s, at + L);
            m1 = m1.blend(a10, m1.compare(VectorOperators.LT, a10));
            m1 = m1.blend(a11, m1.compare(VectorOperators.LT, a11));
            at += lds;
            a20 = a20.mul(scale);
            a21 = a21.mul(scale);
            a20.intoArray(s, at);
            a21.intoArray(s, at + L);
            m2 = m2.blend(a20, m2.compare(VectorOperators.LT, a20));
            m2 = m2.blend(a21, m2.compare(VectorOperators.LT, a21));
            at += lds;
            a30 = a30.mul(scale);
            a31 = a31.mul(scale);
            a30.intoArray(s, at);
            a31.intoArray(s, at + L);
            m3 = m3.blend(a30, m3.compare(VectorOperators.LT, a30));
            m3 = m3.blend(a31, m3.compare(VectorOperators.LT, a31));
            at += lds;
            a40 = a40.mul(scale);
            a41 = a41.mul(scale);
            a40.intoArray(s, at);
            a41.intoArray(s, at + L);
            m4 = m4.blend(a40, m4.compare(VectorOperators.LT, a40));
            m4 = m4.blend(a41, m4.compare(VectorOperators.LT, a41));
            at += lds;
            a50 = a50.mul(scale);
            a51 = a51.mul(scale);
            a50.intoArray(s, at);
            a51.intoArray(s, at + L);
            m5 = m5.blend(a50, m5.compare(VectorOperators.LT, a50));
            m5 = m5.blend(a51, m5.compare(VectorOperators.LT, a51));
        }
        rowMax[mAt] = m0.reduceLanes(VectorOperators.MAX);
        if (valid > 1) {
            rowMax[mAt + 1] = m1.reduceLanes(VectorOperators.MAX);
        }
        if (valid > 2) {
            rowMax[mAt + 2] = m2.reduceLanes(VectorOperators.MAX);
        }
        if (valid > 3) {
            rowMax[mAt + 3] = m3.reduceLanes(VectorOperators.MAX);
        }
        if (valid > 4) {
            rowMax[mAt + 4] = m4.reduceLanes(VectorOperators.MAX);
        }
        if (valid > 5) {
            rowMax[mAt + 5] = m5.reduceLanes(VectorOperators.MAX);
        }
    }

    /**
     * The group's rows against the last sliver, of which only {@code keys < NR} are keys: scores
     * one FMA chain each, as the micro-kernel's; {@code -inf} in the sliver's other columns; the
     * valid rows' maxima merged into {@code rowMax}.
     */
    private static void lastSliver(int keys, int d, float scale, float[] q, int qAt, int ldq, float[] kp, int kAt,
            float[] s, int sAt, int lds, float[] rowMax, int mAt, int valid) {
        for (int r = 0; r < MR; r++) {
            float m = r < valid ? rowMax[mAt + r] : Float.NEGATIVE_INFINITY;
            for (int c = 0; c < NR; c++) {
                float score = Float.NEGATIVE_INFINITY;
                if (c < keys) {
                    float dot = 0f;
                    for (int l = 0; l < d; l++) {
                        dot = Math.fma(q[qAt + r * ldq + l], kp[kAt + l * NR + c], dot);
                    }
                    score = scale * dot;
                    m = score > m ? score : m;
                }
                s[sAt + r * lds + c] = score;
            }
            if (r < valid) {
                rowMax[mAt + r] = m;
            }
        }
    }
}
