package io.attn4j.bench;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.attn4j.engine.internal.Json;
import io.attn4j.model.Predictor;
import io.attn4j.model.PredictorMetrics;
import io.attn4j.model.SequenceModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * W9, serving under load: the W7 classifier behind a service's threads. Closed-loop clients (1, 8
 * and 64 threads, {@link ClosedLoop}) each send one sequence of {@code T <= 100} steps (lengths
 * 50..100, as W7's batch) as soon as their previous answer arrives; for each client count, in the
 * same JVM one after the other:
 * <ul>
 *   <li>{@code attn4j_predictor}: one shared {@link Predictor} (maxBatch 64, one session per core,
 *       no wait for fuller batches: its default), warmed up;</li>
 *   <li>{@code attn4j_session}: a {@code Session} per client thread on one shared model, the
 *       direct way without batching;</li>
 *   <li>{@code onnxruntime}: one shared {@code OrtSession} called by every client thread (its
 *       documented thread-safe use), one intra-op thread per run.</li>
 * </ul>
 * Each cell warms up, then measures throughput (sequences per second) and the latency percentiles
 * p50, p99, p99.9 and the maximum, recorded with HdrHistogram. Before measuring, the three must
 * agree: the Predictor's probabilities equal the session's bit for bit, ONNX Runtime's within 1e-5.
 *
 * <p>Run by {@code attn4j bench} (the suite) in a JVM of its own, which writes {@code w9.json} for
 * the report; by hand:
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar io.attn4j.bench.ServingBench --out w9.json}
 * (options {@code --warmup-ms}, {@code --measure-ms}, {@code --clients 1,8,64},
 * {@code --implementations attn4j_predictor,onnxruntime}, and {@code --max-wait-us}, the Predictor's maximum wait for a fuller batch, 0 by default).
 */
public final class ServingBench {
    /** The name {@code attn4j bench --filter} matches to run W9. */
    public static final String NAME = "io.attn4j.bench.ServingBench.serving";
    /** The implementations, in report order. */
    public static final List<String> IMPLEMENTATIONS = List.of("attn4j_predictor", "attn4j_session", "onnxruntime");
    static final int STEPS = ClassifierOperands.STEPS;
    static final int FEATURES = ClassifierOperands.FEATURES;
    private static final int SEQUENCES = 256;

    private ServingBench() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of("w9.json");
        long warmMs = 5000, measureMs = 10000;
        List<Integer> clients = List.of(1, 8, 64);
        long maxWaitMicros = 0;
        List<String> implementations = IMPLEMENTATIONS;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--out" -> out = Path.of(value);
                case "--warmup-ms" -> warmMs = Long.parseLong(value);
                case "--measure-ms" -> measureMs = Long.parseLong(value);
                case "--clients" -> clients = java.util.Arrays.stream(value.split(",")).map(Integer::valueOf).toList();
                case "--max-wait-us" -> maxWaitMicros = Long.parseLong(value);
                case "--implementations" -> implementations = List.of(value.split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Attn4j.vectorKernels();
        List<Map<String, Object>> rows = run(clients, implementations, warmMs * 1_000_000, measureMs * 1_000_000,
                Duration.ofNanos(maxWaitMicros * 1000));
        Files.writeString(out, Json.write(rows));
        System.out.println("W9: wrote " + out);
    }

    /** Every cell: for each client count, each implementation. */
    static List<Map<String, Object>> run(List<Integer> clientCounts, long warmNanos, long measureNanos)
            throws Exception {
        return run(clientCounts, IMPLEMENTATIONS, warmNanos, measureNanos, Duration.ZERO);
    }

    /**
     * As {@link #run(List, long, long)}, for some of the implementations, with the Predictor's
     * maximum wait for a fuller batch.
     */
    static List<Map<String, Object>> run(List<Integer> clientCounts, List<String> implementations, long warmNanos,
            long measureNanos, Duration maxWait) throws IOException, OrtException, Exception {
        float[][][] inputs = inputs();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (SequenceModel shared = ClassifierOperands.load();
                Predictor predictor = Predictor.builder(ClassifierOperands.load()).maxSequenceLength(STEPS)
                        .maxBatch(64).maxWait(maxWait).queueCapacity(4096).build();
                OrtSession ort = ServingClient.onnxSession()) {
            long start = System.nanoTime();
            predictor.warmUp();
            System.out.printf(Locale.ROOT, "W9: Predictor warm-up %.1f s (%s)%n", (System.nanoTime() - start) / 1e9,
                    predictor.metrics());
            agree(predictor, shared, ort, inputs);
            for (int count : clientCounts) {
                for (String impl : implementations) {
                    IntFunction<ServingClient> factory = switch (impl) {
                        case "attn4j_predictor" -> i -> ServingClient.predictor(predictor);
                        case "attn4j_session" -> i -> ServingClient.session(shared, STEPS);
                        default -> i -> ServingClient.onnxRuntime(ort, STEPS, FEATURES);
                    };
                    PredictorMetrics before = predictor.metrics();
                    ClosedLoop.Measurement m = ClosedLoop.run(factory, count, inputs, warmNanos, measureNanos);
                    PredictorMetrics after = predictor.metrics();
                    rows.add(row(impl, m, impl.equals("attn4j_predictor") ? meanBatch(before, after) : 0));
                    System.out.println("W9: " + describe(impl, m));
                }
            }
        }
        return rows;
    }

    /** 256 sequences of lengths {@code 50 + 37 i mod 51} (50..100), values uniform in [-1, 1] from a fixed seed. */
    static float[][][] inputs() {
        SplittableRandom rnd = new SplittableRandom(0x5EED);
        float[][][] inputs = new float[SEQUENCES][][];
        for (int i = 0; i < SEQUENCES; i++) {
            inputs[i] = new float[50 + 37 * i % 51][FEATURES];
            for (float[] step : inputs[i]) {
                for (int f = 0; f < FEATURES; f++) {
                    step[f] = (float) rnd.nextDouble(-1, 1);
                }
            }
        }
        return inputs;
    }

    /** The Predictor gives the session's bits; ONNX Runtime agrees within 1e-5 (the golden cases' rule). */
    private static void agree(Predictor predictor, SequenceModel shared, OrtSession ort, float[][][] inputs)
            throws Exception {
        try (ServingClient session = ServingClient.session(shared, STEPS);
                ServingClient onnx = ServingClient.onnxRuntime(ort, STEPS, FEATURES)) {
            for (int i = 0; i < 32; i++) {
                float p = predictor.predict(inputs[i])[0], s = session.call(inputs[i]), o = onnx.call(inputs[i]);
                if (Float.floatToRawIntBits(p) != Float.floatToRawIntBits(s) || Math.abs(p - o) > 1e-5) {
                    throw new IllegalStateException("W9 implementations disagree on sequence " + i + ": predictor " + p
                            + ", session " + s + ", ONNX Runtime " + o);
                }
            }
        }
    }

    private static double meanBatch(PredictorMetrics before, PredictorMetrics after) {
        long batches = after.batches() - before.batches();
        return batches == 0 ? 0 : (double) (after.completed() - before.completed()) / batches;
    }

    private static Map<String, Object> row(String impl, ClosedLoop.Measurement m, double meanBatch) {
        Histogram h = m.latency();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("implementation", impl);
        row.put("clients", m.clients());
        row.put("calls", m.calls());
        row.put("seconds", m.seconds());
        row.put("sequences_per_second", m.perSecond());
        row.put("p50_us", h.getValueAtPercentile(50) / 1e3);
        row.put("p99_us", h.getValueAtPercentile(99) / 1e3);
        row.put("p999_us", h.getValueAtPercentile(99.9) / 1e3);
        row.put("max_us", h.getMaxValue() / 1e3);
        row.put("mean_batch", meanBatch);
        return row;
    }

    private static String describe(String impl, ClosedLoop.Measurement m) {
        Histogram h = m.latency();
        return String.format(Locale.ROOT, "%-16s %2d clients: %8.0f sequences/s, p50 %7.1f us, p99 %7.1f us, p99.9"
                + " %7.1f us, max %8.1f us (%d calls)", impl, m.clients(), m.perSecond(),
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, m.calls());
    }
}
