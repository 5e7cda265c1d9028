package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.Predictor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A {@link Predictor} serving Keras models: for every one-input case (features and tokens,
 * pooled, per-step and fixed-step outputs, masks, bidirectional layers, attention), each row's
 * result from every form (one sequence, a batch, futures, several threads at once with batching)
 * is bit for bit what a lone {@link Session} gives it, and that matches Keras within the cases'
 * tolerance; forms that do not fit a model, bad requests, models with several inputs, a scratch
 * limit below the sessions' memory and incompatible swaps are refused with messages.
 */
class KerasPredictorTest {
    private static final int THREADS = 4;
    private static final int ROUNDS = 8;

    static List<String> cases() throws IOException {
        return KerasRows.servedNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyFormGivesEachRowItsSoloSessionBits(String name) throws Exception {
        Object[] solo;
        KerasRows rows;
        int maxSeq;
        try (SequenceModel reference = SequenceModel.load(KerasCases.file(name, ".keras"))) {
            rows = KerasRows.of(name, reference);
            maxSeq = reference.fixedSteps() > 0 ? reference.fixedSteps() : rows.longest() + 2;
            solo = soloResults(name, reference, rows);
        }
        try (Predictor p = Predictor.builder(SequenceModel.load(KerasCases.file(name, ".keras")))
                // one session: with two, a fair share splits a case's few rows over both, and the
                // requests of the smallest cases would never share a batch
                .maxSequenceLength(maxSeq).maxBatch(4).sessions(1).maxWait(Duration.ofMillis(2)).build()) {
            assertEquals(rows.tokens(), p.takesTokens());
            int n = rows.batch();
            for (int b = 0; b < n; b++) {
                assertSame(name + " predict, row " + b, solo[b], one(p, rows, b));
                assertSame(name + " submit, row " + b, solo[b], submitted(p, rows, b).get());
            }
            Object[] all = all(p, rows);
            for (int b = 0; b < n; b++) {
                assertSame(name + " batch form, row " + b, solo[b], all[b]);
            }
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    int first = i;
                    done.add(threads.submit(() -> {
                        for (int round = 0; round < ROUNDS; round++) {
                            List<CompletableFuture<?>> futures = new ArrayList<>();
                            for (int b = 0; b < n; b++) {
                                futures.add(submitted(p, rows, (b + first + round) % n));
                            }
                            for (int b = 0; b < n; b++) {
                                int row = (b + first + round) % n;
                                assertSame(name + " under load, row " + row, solo[row], futures.get(b).join());
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                threads.shutdown();
            }
            assertTrue(p.metrics().meanBatchSize() > 1, name + ": the requests were batched: " + p.metrics());
        }
    }

    /** What a lone session gives each row at its own length, checked against Keras on the way. */
    private static Object[] soloResults(String name, SequenceModel model, KerasRows rows) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor lengths = KerasCases.npy(name, ".lengths.npy", arena);
            Tensor expected = KerasCases.npy(name, lengths != null ? ".cut.npy" : ".expected.npy", arena);
            Tensor keep = KerasCases.npy(name, ".keep.npy", arena);
            float[] want = expected.toFloatArray();
            boolean[] kept = keep == null ? null : keep.toBooleanArray();
            int out = model.outputSize(), steps = model.perStep() ? (int) expected.dim(1) : 1;
            int fixed = model.fixedSteps();
            Object[] results = new Object[rows.batch()];
            try (Session session = model.newSession(1, Math.max(fixed, rows.longest()))) {
                for (int b = 0; b < rows.batch(); b++) {
                    int own = fixed > 0 ? fixed : rows.lengths()[b];
                    float[] y = session.predict(rows.tensor(arena, new int[]{b}, own, 0f), null).toFloatArray();
                    if (model.perStep()) {
                        float[][] perStep = new float[own][];
                        for (int t = 0; t < own; t++) {
                            perStep[t] = Arrays.copyOfRange(y, t * out, (t + 1) * out);
                        }
                        results[b] = perStep;
                        int from = b * steps * out;
                        boolean[] keepRow = kept == null ? null : Arrays.copyOfRange(kept, b * steps, b * steps + own);
                        KerasCases.assertMatches(name + " row " + b, Arrays.copyOfRange(want, from, from + own * out),
                                y,
                                keepRow, out);
                    } else {
                        results[b] = y;
                        KerasCases.assertMatches(name + " row " + b, Arrays.copyOfRange(want, b * out, (b + 1) * out),
                                y,
                                null, out);
                    }
                }
            }
            return results;
        }
    }

    private static Object one(Predictor p, KerasRows rows, int b) {
        if (rows.tokens()) {
            return p.perStep() ? p.predictSteps(rows.ids()[b]) : p.predict(rows.ids()[b]);
        }
        return p.perStep() ? p.predictSteps(rows.floats()[b]) : p.predict(rows.floats()[b]);
    }

    private static CompletableFuture<?> submitted(Predictor p, KerasRows rows, int b) {
        if (rows.tokens()) {
            return p.perStep() ? p.submitSteps(rows.ids()[b]) : p.submit(rows.ids()[b]);
        }
        return p.perStep() ? p.submitSteps(rows.floats()[b]) : p.submit(rows.floats()[b]);
    }

    private static Object[] all(Predictor p, KerasRows rows) throws Exception {
        if (rows.tokens()) {
            return p.perStep() ? p.predictSteps(rows.ids()) : p.predict(rows.ids());
        }
        Object[] blocking = p.perStep() ? p.predictSteps(rows.floats()) : p.predict(rows.floats());
        Object[] future = p.perStep() ? p.submitSteps(rows.floats()).get() : p.submit(rows.floats()).get();
        for (int b = 0; b < blocking.length; b++) {
            assertSame("the batch future, row " + b, blocking[b], future[b]);
        }
        return blocking;
    }

    private static void assertSame(String what, Object expected, Object actual) {
        if (expected instanceof float[][] e) {
            float[][] a = (float[][]) actual;
            assertEquals(e.length, a.length, what + ": steps");
            for (int t = 0; t < e.length; t++) {
                assertBits(what + ", step " + t, e[t], a[t]);
            }
        } else {
            assertBits(what, (float[]) expected, (float[]) actual);
        }
    }

    private static void assertBits(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": outputs");
        for (int i = 0; i < expected.length; i++) {
            int e = Float.floatToRawIntBits(expected[i]), a = Float.floatToRawIntBits(actual[i]);
            if (e != a) {
                throw new AssertionError(what + ": output " + i + " is " + actual[i] + ", alone " + expected[i]);
            }
        }
    }

    @Test
    void formsThatDoNotFitTheModelAreRefusedNamingWhatItTakes() throws IOException {
        float[][] three = {{0.1f, 0.2f, 0.3f}, {0.3f, 0.2f, 0.1f}};
        try (Predictor pooled = build("founding_pooled", 10)) {
            assertFalse(pooled.takesTokens());
            assertFalse(pooled.perStep());
            assertMessage(() -> pooled.predict(new int[]{1, 2}), "takes float features");
            assertMessage(() -> pooled.submit(new int[][]{{1}}), "takes float features");
            assertMessage(() -> pooled.predictSteps(three), "not per step");
            assertMessage(() -> pooled.submitSteps(new float[][][]{three}), "not per step");
            assertMessage(() -> pooled.predict(new float[][]{{1f}}), "has 1 features, the model takes "
                    + pooled.inputSize());
            assertMessage(() -> pooled.predict(new float[0][]), "is empty");
            assertMessage(() -> pooled.predict(new float[11][pooled.inputSize()]), "maximum sequence length 10");
            float[][] nan = new float[2][pooled.inputSize()];
            nan[1][0] = Float.NaN;
            assertMessage(() -> pooled.predict(nan), "[1][0] is NaN");
        }
        try (Predictor perStep = build("founding_per_step", 10)) {
            assertTrue(perStep.perStep());
            assertMessage(() -> perStep.predict(new float[2][perStep.inputSize()]), "outputs per step");
            assertMessage(() -> perStep.submit(new float[2][perStep.inputSize()]), "call predictSteps");
            assertEquals(2, perStep.predictSteps(new float[2][perStep.inputSize()]).length);
        }
        try (Predictor tokens = build("mask_zero_tokens", 10)) {
            assertTrue(tokens.takesTokens());
            assertEquals(1, tokens.inputSize());
            assertMessage(() -> tokens.predict(new float[2][1]), "takes token ids");
            assertMessage(() -> tokens.predict(new int[]{1, -1}), "the sequence[1] = -1 is not a token id");
            assertMessage(() -> tokens.predict(new int[][]{{1}, {1, 100000}}), "sequences[1][1] = 100000");
            assertMessage(() -> tokens.predict(new int[0]), "is empty");
            assertMessage(() -> tokens.predictSteps(new int[]{1}), "not per step");
            // a bad request fails alone: the good ones around it are served
            assertEquals(tokens.outputSize(), tokens.predict(new int[]{1, 2, 3}).length);
        }
        try (Predictor fixed = build("fixed_length_flatten", 10)) {
            assertEquals(5, fixed.fixedSteps());
            assertMessage(() -> fixed.predict(new float[4][fixed.inputSize()]), "built for exactly 5");
            assertEquals(fixed.outputSize(), fixed.predict(new float[5][fixed.inputSize()]).length);
        }
        try (SequenceModel model = SequenceModel.load(KerasCases.file("fixed_length_flatten", ".keras"))) {
            assertMessage(() -> Predictor.builder(model).maxSequenceLength(4).build(), "below the 5 steps");
            assertOpen(model); // a failed build leaves the model to the caller
        }
    }

    @Test
    void aModelWithSeveralInputsIsRefusedNamingThem() throws IOException {
        try (SequenceModel model = SequenceModel.load(KerasCases.file("multi_head_cross_inputs", ".keras"))) {
            assertMessage(() -> Predictor.builder(model).maxSequenceLength(10).build(),
                    "takes 3 (query, memory, cross_mask)");
            assertOpen(model);
        }
    }

    @Test
    void aScratchLimitBelowTheSessionsMemoryIsRefused() throws IOException {
        try (SequenceModel model = SequenceModel.load(KerasCases.file("multi_head_self", ".keras"))) {
            // one session, one part: its session and its staging input [4, 20, features] floats
            long needed = model.sessionBytes(4, 20, false) + 4L * 20 * model.inputSize() * Float.BYTES;
            assertMessage(() -> Predictor.builder(model).maxSequenceLength(20).maxBatch(4).sessions(1)
                    .scratchLimit(needed - 1).build(), "need " + needed + " bytes of scratch memory");
            try (Predictor p = Predictor.builder(model).maxSequenceLength(20).maxBatch(4).sessions(1)
                    .scratchLimit(needed).build()) {
                assertEquals(needed, p.metrics().scratchBytes());
                assertEquals(20, p.predictSteps(new float[20][p.inputSize()]).length);
            }
        }
    }

    @Test
    void swapsKeepTheShapeAndServeTheNewModel() throws Exception {
        try (Predictor p = build("founding_per_step", 12);
                SequenceModel other = SequenceModel.load(KerasCases.file("founding_pooled", ".keras"))) {
            float[][] x = new float[6][p.inputSize()];
            for (int t = 0; t < x.length; t++) {
                x[t][t % x[t].length] = 0.5f;
            }
            float[][] before = p.predictSteps(x);
            assertMessage(() -> p.swap(other), "must keep their shape across a swap");
            assertOpen(other); // a refused swap leaves the model to the caller
            p.swap(SequenceModel.load(KerasCases.file("founding_per_step", ".h5")));
            assertEquals(1, p.metrics().swaps());
            float[][] after = p.predictSteps(x);
            for (int t = 0; t < x.length; t++) {
                assertArrayEquals(before[t], after[t], "the same model from its .h5 file, step " + t);
            }
        }
    }

    @Test
    void warmUpRunsTokenPerStepAndFixedStepModels() throws IOException {
        for (String name : List.of("mask_zero_tokens", "fixed_length_flatten", "masking_per_step")) {
            try (Predictor p = build(name, 8)) {
                p.warmUp();
                assertTrue(p.metrics().completed() > 0, name + ": " + p.metrics());
            }
        }
    }

    /** A closed model refuses new sessions. */
    private static void assertOpen(SequenceModel model) {
        model.newSession(1, 8).close();
    }

    private static Predictor build(String name, int maxSeq) throws IOException {
        return Predictor.builder(SequenceModel.load(KerasCases.file(name, ".keras"))).maxSequenceLength(maxSeq)
                .maxBatch(4).sessions(1).build();
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "expected \"" + part + "\" in: " + e.getMessage());
    }
}
