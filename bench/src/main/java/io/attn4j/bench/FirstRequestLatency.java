package io.attn4j.bench;

import io.attn4j.model.Predictor;
import io.attn4j.model.SequenceModel;
import java.util.Arrays;
import java.util.Locale;

/**
 * Cold start of a service: in a fresh JVM, loads the classifier, builds a {@link Predictor}, warms
 * it up or not ({@code --warm-up} / {@code --no-warm-up}), then times its first requests (one
 * sequence of 100 steps each, a lone client) and, for reference, the median of the 1000 after.
 * One line of output per run; run it several times in new JVMs:
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar io.attn4j.bench.FirstRequestLatency --warm-up}.
 */
public final class FirstRequestLatency {
    private FirstRequestLatency() {
    }

    public static void main(String[] args) throws Exception {
        boolean warm = Arrays.asList(args).contains("--warm-up");
        float[][][] inputs = ServingBench.inputs();
        long t0 = System.nanoTime();
        SequenceModel model = ClassifierOperands.load();
        long t1 = System.nanoTime();
        try (Predictor predictor = Predictor.builder(model).maxSequenceLength(ServingBench.STEPS).build()) {
            long t2 = System.nanoTime();
            if (warm) {
                predictor.warmUp();
            }
            long t3 = System.nanoTime();
            long[] first = new long[10];
            for (int i = 0; i < first.length; i++) {
                long s = System.nanoTime();
                predictor.predict(inputs[13]); // 100 steps
                first[i] = System.nanoTime() - s;
            }
            long[] steady = new long[1000];
            for (int i = 0; i < steady.length; i++) {
                long s = System.nanoTime();
                predictor.predict(inputs[13]);
                steady[i] = System.nanoTime() - s;
            }
            Arrays.sort(steady);
            System.out.printf(Locale.ROOT,
                    "%s: load %.0f ms, build %.0f ms, warm-up %.0f ms; request 1 %.3f ms, 2 %.3f ms, 10 %.3f ms;"
                            + " then median %.3f ms%n",
                    warm ? "warmed up" : "cold", (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, first[0] / 1e6,
                    first[1] / 1e6, first[9] / 1e6, steady[steady.length / 2] / 1e6);
        }
    }
}
