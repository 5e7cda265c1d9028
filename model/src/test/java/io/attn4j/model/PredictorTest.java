package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Predictor's API on the example classifier: each call form, its results, its counters. */
class PredictorTest {
    private static final int FEATURES = 32;

    @Test
    void eachCallFormGivesTheSoloResult() throws Exception {
        SplittableRandom rnd = new SplittableRandom(1);
        float[][][] seqs = Serving.sequences(rnd, 12, 1, 100, FEATURES);
        try (SequenceModel reference = Serving.classifier();
                Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(100).maxBatch(8).build()) {
            float[][] expected = Serving.solo(reference, seqs, 100);
            assertEquals(FEATURES, p.inputSize());
            assertEquals(1, p.outputSize());
            for (int i = 0; i < seqs.length; i++) {
                assertArrayEquals(expected[i], p.predict(seqs[i]), "predict " + i);
                assertArrayEquals(expected[i], p.submit(seqs[i]).get(Serving.HANG_SECONDS, TimeUnit.SECONDS),
                        "submit " + i);
            }
            float[][] all = p.predict(seqs);
            float[][] async = p.submit(seqs).get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
            for (int i = 0; i < seqs.length; i++) {
                assertTrue(Serving.sameBits(expected[i], all[i]), "batch predict " + i);
                assertTrue(Serving.sameBits(expected[i], async[i]), "batch submit " + i);
            }
            PredictorMetrics m = p.metrics();
            assertEquals(4L * seqs.length, m.accepted());
            assertEquals(4L * seqs.length, m.completed());
            assertEquals(0, m.rejected() + m.timedOut() + m.failed() + m.cancelled());
            long sized = 0;
            for (int n = 1; n < m.batchSizes().length; n++) {
                sized += n * m.batchSizes()[n];
            }
            assertEquals(m.completed(), sized, "every completed request is in one batch of the histogram");
            assertEquals(m.completed(), m.queueWait().count());
            assertEquals(m.batches(), m.compute().count());
            assertTrue(m.scratchBytes() > 0);
        }
    }

    @Test
    void badInputFailsAloneWithItsMessage() throws Exception {
        float[][] good = Serving.sequence(new SplittableRandom(2), 30, FEATURES);
        float[][] nan = Serving.sequence(new SplittableRandom(3), 30, FEATURES);
        nan[7][3] = Float.NaN;
        float[][] inf = Serving.sequence(new SplittableRandom(4), 30, FEATURES);
        inf[29][31] = Float.NEGATIVE_INFINITY;
        float[][] posInf = Serving.sequence(new SplittableRandom(8), 30, FEATURES);
        posInf[0][0] = Float.POSITIVE_INFINITY;
        float[][] large = Serving.sequence(new SplittableRandom(9), 30, FEATURES);
        large[3][5] = Float.MAX_VALUE; // finite: accepted (checked below with the good one)
        float[][] ragged = Serving.sequence(new SplittableRandom(5), 30, FEATURES);
        ragged[4] = new float[31];
        float[][] nullStep = Serving.sequence(new SplittableRandom(6), 30, FEATURES);
        nullStep[2] = null;
        Object[][] cases = {
                {nan, "the sequence[7][3] is NaN"},
                {inf, "the sequence[29][31] is -Infinity"},
                {posInf, "the sequence[0][0] is Infinity"},
                {ragged, "the sequence[4] has 31 features, the model takes 32"},
                {nullStep, "the sequence[2] has 0 features, the model takes 32"},
                {new float[0][], "the sequence is empty"},
                {null, "the sequence is null"},
                {Serving.sequence(new SplittableRandom(7), 101, FEATURES),
                        "the sequence has 101 steps, more than this predictor's maximum sequence length 100"}};
        try (SequenceModel reference = Serving.classifier();
                Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(100).build()) {
            float[] expected = Serving.solo(reference, good, 100);
            CompletableFuture<float[]> before = p.submit(good);
            for (Object[] c : cases) {
                float[][] bad = (float[][]) c[0];
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predict(bad));
                assertTrue(e.getMessage().startsWith((String) c[1]), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> p.submit(bad));
                IllegalArgumentException inBatch = assertThrows(IllegalArgumentException.class,
                        () -> p.predict(new float[][][]{good, bad}));
                assertTrue(inBatch.getMessage().startsWith(((String) c[1]).replace("the sequence", "sequences[1]")),
                        inBatch.getMessage());
            }
            assertArrayEquals(expected, before.get(Serving.HANG_SECONDS, TimeUnit.SECONDS));
            assertArrayEquals(expected, p.predict(good), "the predictor serves on after bad requests");
            assertTrue(Float.isFinite(p.predict(large)[0]), "Float.MAX_VALUE is finite: accepted");
            assertEquals(3, p.metrics().accepted(), "no bad request was queued");
        }
    }

    @Test
    void closedPredictorRefusesAndFreesTheModel() {
        SequenceModel model = Serving.classifier();
        Predictor p = Predictor.builder(model).maxSequenceLength(50).build();
        float[][] s = Serving.sequence(new SplittableRandom(8), 10, FEATURES);
        p.predict(s);
        assertTrue(p.metrics().scratchBytes() > 0);
        p.close();
        assertFalse(model.isOpen(), "the predictor owns its model");
        assertEquals(0, p.metrics().scratchBytes(), "a closed predictor holds no scratch memory");
        assertThrows(PredictorClosedException.class, () -> p.predict(s));
        assertThrows(PredictorClosedException.class, () -> p.submit(s));
        assertThrows(PredictorClosedException.class, () -> p.predict(new float[][][]{s}));
        assertThrows(PredictorClosedException.class, p::warmUp);
        p.close(); // idempotent
    }

    @Test
    void settingsOutOfRangeAreNamed() {
        try (SequenceModel model = Serving.classifier()) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Predictor.builder(model).build())
                    .getMessage().contains("maxSequenceLength must be set"));
            assertThrows(IllegalArgumentException.class,
                    () -> Predictor.builder(model).maxSequenceLength(10).maxBatch(0).build());
            assertThrows(IllegalArgumentException.class,
                    () -> Predictor.builder(model).maxSequenceLength(10).queueCapacity(0).build());
            assertThrows(IllegalArgumentException.class,
                    () -> Predictor.builder(model).maxSequenceLength(10).sessions(0).build());
            assertThrows(IllegalArgumentException.class,
                    () -> Predictor.builder(model).maxSequenceLength(10).maxWait(Duration.ofMillis(-1)).build());
            assertThrows(IllegalArgumentException.class,
                    () -> Predictor.builder(model).maxSequenceLength(10).timeout(Duration.ZERO).build());
            assertTrue(model.isOpen(), "a failed build leaves the model to the caller");
        }
    }
}
