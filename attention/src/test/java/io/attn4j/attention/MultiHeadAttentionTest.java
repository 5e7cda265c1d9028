package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attn4j.engine.parallel.Parallel;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Multi-head attention beyond the golden cases: grouped-query and multi-query attention give the
 * same bits as ordinary heads whose key/value weights repeat per group; kdim/vdim different from
 * the embedding against a double-precision evaluation; averaged weights are the mean of the
 * per-head ones; thread counts change no bit.
 */
class MultiHeadAttentionTest {

    @Test
    void groupedHeadsEqualRepeatedKeyValueHeads() {
        RandomTrials.run(12, rnd -> {
            try (Arena arena = Arena.ofShared(); AttentionWorkspace ws = new AttentionWorkspace()) {
                int heads = new int[]{2, 4, 8}[rnd.nextInt(3)], kvHeads = rnd.nextBoolean() ? 1 : heads / 2;
                int dh = 1 + rnd.nextInt(12), e = heads * dh, kdim = 1 + rnd.nextInt(20), vdim = 1 + rnd.nextInt(20);
                int batch = 1 + rnd.nextInt(2), tq = 1 + rnd.nextInt(30), tk = 1 + rnd.nextInt(30);
                int group = heads / kvHeads;
                Tensor wq = Inputs.uniform(arena, rnd, 0.5f, e, e), wo = Inputs.uniform(arena, rnd, 0.5f, e, e);
                Tensor wk = Inputs.uniform(arena, rnd, 0.5f, kvHeads * dh, kdim),
                        wv = Inputs.uniform(arena, rnd, 0.5f, kvHeads * dh, vdim);
                Tensor bq = Inputs.uniform(arena, rnd, 0.5f, e), bo = Inputs.uniform(arena, rnd, 0.5f, e);
                Tensor bk = Inputs.uniform(arena, rnd, 0.5f, kvHeads * dh),
                        bv = Inputs.uniform(arena, rnd, 0.5f, kvHeads * dh);
                Tensor query = Inputs.uniform(arena, rnd, 1f, batch, tq, e);
                Tensor key = Inputs.uniform(arena, rnd, 1f, batch, tk, kdim),
                        value = Inputs.uniform(arena, rnd, 1f, batch, tk, vdim);
                AttentionMask mask = rnd.nextBoolean()
                        ? AttentionMask.none()
                        : AttentionMask.none().withKeyLengths(Inputs.lengths(rnd, batch, tk)).withCausal();
                try (MultiHeadAttention grouped = MultiHeadAttention.grouped(heads, kvHeads, wq, wk, wv, bq, bk, bv, wo,
                        bo);
                        MultiHeadAttention expanded = MultiHeadAttention.grouped(heads, heads, wq,
                                repeat(arena, wk, dh, group),
                                repeat(arena, wv, dh, group), bq, repeat(arena, bk, dh, group),
                                repeat(arena, bv, dh, group), wo, bo)) {
                    for (boolean withWeights : new boolean[]{false, true}) {
                        Tensor o1 = Checks.nans(arena, batch, tq, e), o2 = Checks.nans(arena, batch, tq, e);
                        Tensor w1 = withWeights ? Checks.nans(arena, batch, heads, tq, tk) : null;
                        Tensor w2 = withWeights ? Checks.nans(arena, batch, heads, tq, tk) : null;
                        grouped.forward(query, key, value, mask, ws, null, o1, w1);
                        expanded.forward(query, key, value, mask, ws, Parallel.sharedExecutor(), o2, w2);
                        assertArrayEquals(o2.toFloatArray(), o1.toFloatArray(),
                                "output, weights asked: " + withWeights);
                        if (withWeights) {
                            assertArrayEquals(w2.toFloatArray(), w1.toFloatArray(), "weights");
                        }
                    }
                }
            }
        });
    }

    /** Rows of {@code w} in blocks of {@code dh}, each block repeated {@code times} times. */
    private static Tensor repeat(Arena arena, Tensor w, int dh, int times) {
        float[] src = w.toFloatArray();
        long rows = w.dim(0), cols = w.rank() == 2 ? w.dim(1) : 1;
        float[] out = new float[(int) (rows * times * cols)];
        int blockFloats = (int) (dh * cols);
        for (int g = 0; g < rows / dh; g++) {
            for (int r = 0; r < times; r++) {
                System.arraycopy(src, g * blockFloats, out, (g * times + r) * blockFloats, blockFloats);
            }
        }
        return w.rank() == 2 ? Tensor.of(arena, out, rows * times, cols) : Tensor.of(arena, out, rows * times);
    }

    @Test
    void otherKeyAndValueSizesMatchDoublePrecision() {
        SplittableRandom rnd = new SplittableRandom(2024);
        int e = 32, heads = 4, dh = 8, kdim = 20, vdim = 24, batch = 3, tq = 5, tk = 9;
        try (Arena arena = Arena.ofShared(); AttentionWorkspace ws = new AttentionWorkspace()) {
            Tensor wq = Inputs.uniform(arena, rnd, 0.3f, e, e), wk = Inputs.uniform(arena, rnd, 0.3f, e, kdim);
            Tensor wv = Inputs.uniform(arena, rnd, 0.3f, e, vdim), bias = Inputs.uniform(arena, rnd, 0.3f, 3 * e);
            Tensor wo = Inputs.uniform(arena, rnd, 0.3f, e, e), bo = Inputs.uniform(arena, rnd, 0.3f, e);
            Tensor query = Inputs.uniform(arena, rnd, 1f, batch, tq, e),
                    key = Inputs.uniform(arena, rnd, 1f, batch, tk, kdim);
            Tensor value = Inputs.uniform(arena, rnd, 1f, batch, tk, vdim);
            int[] lengths = {9, 5, 1};
            try (MultiHeadAttention mha = MultiHeadAttention.fromPyTorch(heads, wq, wk, wv, bias, wo, bo)) {
                Tensor out = Checks.nans(arena, batch, tq, e), avg = Checks.nans(arena, batch, tq, tk);
                Tensor perHead = Checks.nans(arena, batch, heads, tq, tk);
                mha.forward(query, key, value, AttentionMask.none().withKeyLengths(lengths), ws, null, out, avg);
                double[][] expected = doubleMha(query.toFloatArray(), key.toFloatArray(), value.toFloatArray(),
                        wq.toFloatArray(),
                        wk.toFloatArray(), wv.toFloatArray(), bias.toFloatArray(), wo.toFloatArray(), bo.toFloatArray(),
                        batch, tq, tk, e, heads, kdim, vdim, lengths);
                // the golden rule; the bound derived from the sizes, (2E + kdim + Tk) eps times the sums of magnitudes, is ~1e-6 here
                Checks.assertGolden("output", toFloats(expected[0]), out.toFloatArray());
                Checks.assertGolden("averaged weights", toFloats(expected[1]), avg.toFloatArray());
                mha.forward(query, key, value, AttentionMask.none().withKeyLengths(lengths), ws, null, out, perHead);
                float[] heads4 = perHead.toFloatArray(), mean = avg.toFloatArray();
                for (int b = 0; b < batch; b++) {
                    for (int x = 0; x < tq * tk; x++) {
                        float sum = 0;
                        for (int h = 0; h < heads; h++) {
                            sum += heads4[(b * heads + h) * tq * tk + x];
                        }
                        assertEquals(sum / heads, mean[b * tq * tk + x], 0f, "mean of the heads in head order");
                    }
                }
            }
        }
    }

    private static float[] toFloats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    /** nn.MultiheadAttention in double: {output (B, Tq, E), averaged weights (B, Tq, Tk)}. */
    private static double[][] doubleMha(float[] query, float[] key, float[] value, float[] wq, float[] wk, float[] wv,
            float[] bias, float[] wo, float[] bo, int batch, int tq, int tk, int e, int heads,
            int kdim, int vdim, int[] lengths) {
        int dh = e / heads;
        double[] out = new double[batch * tq * e], avg = new double[batch * tq * tk];
        for (int b = 0; b < batch; b++) {
            double[] q = project(query, b * tq * e, tq, e, wq, bias, 0, e);
            double[] k = project(key, b * tk * kdim, tk, kdim, wk, bias, e, e);
            double[] v = project(value, b * tk * vdim, tk, vdim, wv, bias, 2 * e, e);
            double[] concat = new double[tq * e];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < tq; i++) {
                    double[] s = new double[tk];
                    double m = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < lengths[b]; j++) {
                        for (int c = 0; c < dh; c++) {
                            s[j] += q[i * e + h * dh + c] * k[j * e + h * dh + c];
                        }
                        s[j] /= Math.sqrt(dh);
                        m = Math.max(m, s[j]);
                    }
                    for (int j = 0; j < lengths[b]; j++) {
                        s[j] = Math.exp(s[j] - m);
                        sum += s[j];
                    }
                    for (int j = 0; j < lengths[b]; j++) {
                        avg[(b * tq + i) * tk + j] += s[j] / sum / heads;
                        for (int c = 0; c < dh; c++) {
                            concat[i * e + h * dh + c] += s[j] / sum * v[j * e + h * dh + c];
                        }
                    }
                }
            }
            for (int i = 0; i < tq; i++) {
                for (int o = 0; o < e; o++) {
                    double y = bo[o];
                    for (int c = 0; c < e; c++) {
                        y += concat[i * e + c] * wo[o * e + c];
                    }
                    out[(b * tq + i) * e + o] = y;
                }
            }
        }
        return new double[][]{out, avg};
    }

    private static double[] project(float[] x, int off, int rows, int in, float[] w, float[] bias, int biasOff,
            int outDim) {
        double[] y = new double[rows * outDim];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < outDim; o++) {
                double acc = bias[biasOff + o];
                for (int c = 0; c < in; c++) {
                    acc += (double) x[off + r * in + c] * w[o * in + c];
                }
                y[r * outDim + o] = acc;
            }
        }
        return y;
    }
}
