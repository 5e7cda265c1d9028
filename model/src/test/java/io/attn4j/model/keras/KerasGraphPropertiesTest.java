package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.RandomTrials;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Properties of Keras models that the Keras cases alone do not pin down. */
class KerasGraphPropertiesTest {

    /**
     * A row's result is bit for bit the same whatever the other rows of its batch hold (what a
     * batching Predictor relies on), and the same as the row predicted alone, cut to its length,
     * within float32 rounding: a call of another length T runs the fused attention and the GEMM
     * with other tiles, which round a sum's last bit differently (seen: 1 ulp on
     * founding_per_step and functional_concat).
     */
    @Test
    void rowsAreIndependentOfTheirBatch() throws IOException {
        for (String name : KerasCases.names()) {
            try (SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"))) {
                if (model.fixedSteps() > 0) {
                    continue;
                }
                RandomTrials.run(4, rnd -> {
                    int batch = 1 + rnd.nextInt(4), seq = 1 + rnd.nextInt(8);
                    int[] lengths = new int[batch];
                    for (int b = 0; b < batch; b++) {
                        lengths[b] = 1 + rnd.nextInt(seq);
                    }
                    try (Arena arena = Arena.ofConfined();
                            Session session = model.newSession(batch, seq);
                            Session alone = model.newSession(1, seq)) {
                        Tensor x = input(model, arena, rnd, batch, seq);
                        float[] all = session.predict(x, lengths).toFloatArray();
                        Tensor other = input(model, arena, rnd, batch, seq);
                        int per = model.perStep() ? seq * model.outputSize() : model.outputSize();
                        for (int b = 0; b < batch; b++) {
                            copyRow(model, x, other, b, seq);
                            float[] mixed = session.predict(other, lengths).toFloatArray();
                            float[] own = Arrays.copyOfRange(all, b * per, (b + 1) * per);
                            assertArrayEquals(own, Arrays.copyOfRange(mixed, b * per, (b + 1) * per),
                                    name + ": row " + b + " with other rows beside it");
                            Tensor cut = cutRow(model, arena, x, b, seq, lengths[b]);
                            float[] single = alone.predict(cut, null).toFloatArray();
                            int valid = model.perStep() ? lengths[b] * model.outputSize() : per;
                            for (int i = 0; i < valid; i++) {
                                if (Float.isNaN(own[i])) { // a masked mean of no step, as Keras gives it
                                    assertEquals(Float.NaN, single[i], name + ": row " + b + " alone");
                                    continue;
                                }
                                assertEquals(own[i], single[i], 1e-6f * Math.max(1, Math.abs(own[i])),
                                        name + ": row " + b + " alone, cut to " + lengths[b] + " steps");
                            }
                            for (int i = valid; i < per; i++) {
                                assertEquals(0f, own[i], name + ": per-step output past the length");
                            }
                        }
                    }
                });
            }
        }
    }

    /**
     * With a Masking layer whose mask reaches every layer, a sequence pre-padded and the same
     * sequence post-padded (Keras' two pad_sequences conventions) predict the same.
     */
    @ParameterizedTest
    @ValueSource(strings = {"masking_pooled", "lstm_states", "bidirectional_stack", "custom_activations"})
    void preAndPostPaddingPredictTheSame(String name) throws IOException {
        try (SequenceModel model = SequenceModel.load(KerasCases.file(name, ".h5"))) {
            RandomTrials.run(5, rnd -> {
                int seq = 2 + rnd.nextInt(7), valid = 1 + rnd.nextInt(seq), f = model.inputSize();
                try (Arena arena = Arena.ofConfined(); Session session = model.newSession(2, seq)) {
                    Tensor x = Tensor.allocate(arena, DType.F32, 2, seq, f);
                    for (int t = 0; t < valid; t++) {
                        for (int j = 0; j < f; j++) {
                            float v = (float) rnd.nextGaussian();
                            x.set(v, 0, seq - valid + t, j); // pre-padded
                            x.set(v, 1, t, j); // post-padded
                        }
                    }
                    float[] y = session.predict(x, null).toFloatArray();
                    int out = model.outputSize();
                    for (int j = 0; j < out; j++) {
                        float pre = y[j], post = y[out + j];
                        assertEquals(pre, post, 1e-6f * Math.max(1, Math.abs(pre)), name + " output " + j);
                    }
                }
            });
        }
    }

    private static Tensor input(SequenceModel model, Arena arena, SplittableRandom rnd, int batch, int seq) {
        if (model.takesTokens()) {
            Tensor ids = Tensor.allocate(arena, DType.I32, batch, seq);
            for (int i = 0; i < batch * seq; i++) {
                ids.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i, rnd.nextInt(6));
            }
            return ids;
        }
        Tensor x = Tensor.allocate(arena, DType.F32, batch, seq, model.inputSize());
        for (long i = 0; i < x.size(); i++) {
            // some whole steps 0, so that Masking layers mask them
            x.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
        }
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                if (rnd.nextInt(4) == 0) {
                    for (int j = 0; j < model.inputSize(); j++) {
                        x.set(0f, b, t, j);
                    }
                }
            }
        }
        return x;
    }

    private static void copyRow(SequenceModel model, Tensor from, Tensor to, int b, int seq) {
        long per = model.takesTokens() ? seq : (long) seq * model.inputSize();
        long bytes = per * (model.takesTokens() ? Integer.BYTES : Float.BYTES);
        java.lang.foreign.MemorySegment.copy(from.segment(), b * bytes, to.segment(), b * bytes, bytes);
    }

    private static Tensor cutRow(SequenceModel model, Arena arena, Tensor x, int b, int seq, int len) {
        if (model.takesTokens()) {
            Tensor t = Tensor.allocate(arena, DType.I32, 1, len);
            java.lang.foreign.MemorySegment.copy(x.segment(), (long) b * seq * Integer.BYTES, t.segment(), 0,
                    (long) len * Integer.BYTES);
            return t;
        }
        int f = model.inputSize();
        Tensor t = Tensor.allocate(arena, DType.F32, 1, len, f);
        java.lang.foreign.MemorySegment.copy(x.segment(), (long) b * seq * f * Float.BYTES, t.segment(), 0,
                (long) len * f * Float.BYTES);
        return t;
    }
}
