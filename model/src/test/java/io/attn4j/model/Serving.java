package io.attn4j.model;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** What the Predictor tests share: the example classifier, random requests, and solo runs to compare with. */
final class Serving {
    /** Generous bound that only turns a hang into a failure (never a timing check). */
    static final long HANG_SECONDS = 120;

    private Serving() {
    }

    /** {@code examples/classifier}: LSTM(32 -> 64) -> self-attention -> mean -> Linear(64, 1) -> sigmoid. */
    static SequenceModel classifier() {
        try {
            return SequenceModel.load(Path.of(System.getProperty("user.dir"))
                    .resolveSibling("examples/classifier/model.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The classifier with {@code delta} added to its output layer's bias: another model of the same shapes. */
    static SequenceModel shiftedClassifier(float delta) {
        Path path = Path.of(System.getProperty("user.dir")).resolveSibling("examples/classifier/model.safetensors");
        try (io.attn4j.engine.io.SafeTensorsFile file = io.attn4j.engine.io.SafeTensorsFile.open(path);
                Arena arena = Arena.ofConfined()) {
            ModelConfig config = ModelConfig.locate(file).orElseThrow().config();
            WeightSource base = WeightSource.of(file);
            return SequenceModel.build(config, new WeightSource() {
                @Override
                public boolean contains(String name) {
                    return base.contains(name);
                }

                @Override
                public long[] shape(String name) {
                    return base.shape(name);
                }

                @Override
                public Tensor f32(String name) {
                    Tensor t = base.f32(name);
                    return name.equals("fc.bias") ? Tensor.of(arena, new float[]{t.get(0) + delta}, 1) : t;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Blocks each batch that holds one of the marked inputs until {@link #release}; tells when one is held. */
    static final class Gate implements Runner.BatchHook {
        private final java.util.Set<Object> marked = java.util.Collections
                .newSetFromMap(new java.util.IdentityHashMap<>());
        private final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        /** Every input a batch computed. */
        final java.util.Set<Object> computed = java.util.concurrent.ConcurrentHashMap.newKeySet();

        /** @param input the request input ({@code float[][]}) whose batch is held */
        Gate(Object input) {
            marked.add(input);
        }

        @Override
        public void beforeCompute(Request<?>[] batch, int from, int rows) {
            boolean hold = false;
            for (int i = from; i < from + rows; i++) {
                computed.add(batch[i].input);
                hold |= marked.contains(batch[i].input);
            }
            if (hold) {
                held.countDown();
                await(release);
            }
        }

        /** Waits until a marked batch is held. */
        void awaitHeld() {
            await(held);
        }

        void release() {
            release.countDown();
        }

        private static void await(java.util.concurrent.CountDownLatch latch) {
            try {
                if (!latch.await(HANG_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new AssertionError("hung");
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** A sequence of {@code steps} steps of {@code features} values uniform in [-1, 1]. */
    static float[][] sequence(SplittableRandom rnd, int steps, int features) {
        float[][] s = new float[steps][features];
        for (float[] step : s) {
            for (int f = 0; f < features; f++) {
                step[f] = (float) rnd.nextDouble(-1, 1);
            }
        }
        return s;
    }

    /** {@code n} sequences of lengths uniform in {@code [min, max]}. */
    static float[][][] sequences(SplittableRandom rnd, int n, int min, int max, int features) {
        float[][][] s = new float[n][][];
        for (int i = 0; i < n; i++) {
            s[i] = sequence(rnd, min + rnd.nextInt(max - min + 1), features);
        }
        return s;
    }

    /**
     * The sequence run alone through a session, padded to {@link Session#ROW_INVARIANT_STEPS} steps
     * when shorter (as the predictor pads a batch): the bits every batch must give it.
     */
    static float[] solo(SequenceModel model, float[][] sequence, int maxSeq) {
        int steps = Math.max(sequence.length, Math.min(maxSeq, Session.ROW_INVARIANT_STEPS));
        try (Arena arena = Arena.ofConfined(); Session session = model.newSession(1, steps)) {
            Tensor x = Tensor.allocate(arena, DType.F32, 1, steps, model.inputSize());
            for (int t = 0; t < sequence.length; t++) {
                for (int f = 0; f < sequence[t].length; f++) {
                    x.set(sequence[t][f], 0, t, f);
                }
            }
            return session.predict(x, new int[]{sequence.length}).toFloatArray();
        }
    }

    static float[][] solo(SequenceModel model, float[][][] sequences, int maxSeq) {
        float[][] out = new float[sequences.length][];
        for (int i = 0; i < sequences.length; i++) {
            out[i] = solo(model, sequences[i], maxSeq);
        }
        return out;
    }

    /** Whether two results are equal bit for bit. */
    static boolean sameBits(float[] a, float[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                return false;
            }
        }
        return true;
    }
}
