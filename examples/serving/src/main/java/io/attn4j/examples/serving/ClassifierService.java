package io.attn4j.examples.serving;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.PredictionRejectedException;
import io.attn4j.model.PredictionTimeoutException;
import io.attn4j.model.Predictor;
import io.attn4j.model.PredictorMetrics;
import io.attn4j.model.SequenceModel;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The README's serving example: the example classifier behind one {@link Predictor} that a
 * service's request threads share. It predicts the example's own inputs (and prints them), then
 * plays a burst of traffic: 16 request threads, each answering requests of 20 to 100 steps with a
 * status as an HTTP handler would (200, 400 for a bad request, 503 when overloaded, 504 past the
 * deadline), a few requests without blocking, and a new model version swapped in under traffic.
 *
 * <pre>
 * bin/mvn -q -B -pl examples/serving -am package -DskipTests
 * java --add-modules jdk.incubator.vector -jar examples/serving/target/serving-example.jar [examples/classifier [requests]]
 * </pre>
 */
public final class ClassifierService {
    /**
     * What a run did: the example inputs' predictions, the responses by status, the status of the
     * request submitted without blocking, the predictor's counters.
     */
    public record Summary(float[] examplePredictions, int ok, int badRequest, int overloaded, int timedOut,
            int submittedStatus, PredictorMetrics metrics) {
    }

    private ClassifierService() {
    }

    public static void main(String[] args) throws Exception {
        Path example = Path.of(args.length > 0 ? args[0] : "examples/classifier");
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        run(example, requests, System.out);
    }

    /**
     * @param example the directory of the example classifier: {@code model.safetensors},
     *     {@code inputs.npy}, {@code lengths.npy}
     */
    public static Summary run(Path example, int requests, PrintStream out) throws Exception {
        Path weights = example.resolve("model.safetensors");
        float[][][] examples = exampleInputs(example);
        List<float[][]> incoming = traffic(requests);
        // @formatter:off
        // README begin
        try (Predictor predictor = Predictor.builder(SequenceModel.load(weights)) // owns the model from here on
                .maxSequenceLength(100)           // requests of up to 100 steps
                .maxBatch(64)                     // requests waiting together run as one batch,
                .maxWait(Duration.ofMillis(1))    // which waits up to 1 ms for more while busy
                .queueCapacity(1024)              // past it: PredictionRejectedException at once
                .timeout(Duration.ofMillis(50))   // a request may wait 50 ms for its batch
                .scratchLimit(256L << 20)         // refuse sessions needing more than 256 MiB
                .build()) {
            predictor.warmUp();                   // compile the hot paths before the first request

            float[][] probabilities = predictor.predict(examples);     // several sequences, any lengths
            ExecutorService requestThreads = Executors.newFixedThreadPool(16);
            List<Future<Integer>> statuses = new ArrayList<>();
            for (float[][] sequence : incoming) {                        // float[steps][32] each
                statuses.add(requestThreads.submit(() -> respond(predictor, sequence)));
            }
            CompletableFuture<float[]> later = predictor.submit(incoming.get(0)); // without blocking a thread
            predictor.swap(SequenceModel.load(weights));  // a new model version, under traffic: none fails
            return report(predictor, probabilities, statuses, later, requestThreads, out);
        }                                         // close(): running batches end, then all is freed
        // README end
        // @formatter:on
    }

    private static Summary report(Predictor predictor, float[][] probabilities, List<Future<Integer>> statuses,
            CompletableFuture<float[]> later, ExecutorService requestThreads, PrintStream out) throws Exception {
        int[] byStatus = new int[600];
        for (Future<Integer> status : statuses) {
            byStatus[status.get()]++;
        }
        requestThreads.shutdown();
        int laterStatus = status(later);
        PredictorMetrics metrics = predictor.metrics();
        float[] predictions = new float[probabilities.length];
        for (int i = 0; i < predictions.length; i++) {
            predictions[i] = probabilities[i][0];
        }
        out.println("the example's predictions: " + java.util.Arrays.toString(predictions));
        out.printf("%d requests: %d answered, %d bad, %d overloaded, %d past their deadline%n", statuses.size(),
                byStatus[200], byStatus[400], byStatus[503], byStatus[504]);
        out.println("the request submitted without blocking: " + laterStatus);
        out.println(metrics);
        return new Summary(predictions, byStatus[200], byStatus[400], byStatus[503], byStatus[504], laterStatus,
                metrics);
    }

    // @formatter:off
    // README begin handler
    /** A request handler's answer for one sequence, as an HTTP status. */
    static int respond(Predictor predictor, float[][] sequence) {
        try {
            float probability = predictor.predict(sequence)[0];    // blocks this request thread only
            return probability >= 0 ? 200 : 500;
        } catch (IllegalArgumentException e) {                  // a bad request (NaN, too long, ...): fails alone
            return 400;
        } catch (PredictionRejectedException e) {               // the queue is full: shed the load
            return 503;
        } catch (PredictionTimeoutException e) {                // waited past its deadline, not computed
            return 504;
        }
    }
    // README end handler
    // @formatter:on

    /**
     * {@link #respond}'s status for a request submitted without blocking: under a burst it may be
     * shed or pass its deadline like any other.
     */
    static int status(CompletableFuture<float[]> request) throws InterruptedException {
        try {
            return request.get()[0] >= 0 ? 200 : 500;
        } catch (ExecutionException e) {
            return switch (e.getCause()) {
                case IllegalArgumentException _ -> 400;
                case PredictionRejectedException _ -> 503;
                case PredictionTimeoutException _ -> 504;
                default -> 500;
            };
        }
    }

    /** The example's inputs as the sequences a service would receive: each cut to its length. */
    static float[][][] exampleInputs(Path example) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Npy.read(example.resolve("inputs.npy"), arena);
            Tensor lengths = Npy.read(example.resolve("lengths.npy"), arena);
            float[][][] sequences = new float[(int) x.dim(0)][][];
            for (int b = 0; b < sequences.length; b++) {
                int steps = (int) lengths.getLong(b);
                sequences[b] = new float[steps][(int) x.dim(2)];
                for (int t = 0; t < steps; t++) {
                    for (int f = 0; f < x.dim(2); f++) {
                        sequences[b][t][f] = x.get(b, t, f);
                    }
                }
            }
            return sequences;
        }
    }

    /** {@code requests} random sequences of 20 to 100 steps, one in 50 with a NaN (a bad request). */
    static List<float[][]> traffic(int requests) {
        SplittableRandom rnd = new SplittableRandom(13);
        List<float[][]> incoming = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            float[][] sequence = new float[20 + rnd.nextInt(81)][32];
            for (float[] step : sequence) {
                for (int f = 0; f < step.length; f++) {
                    step[f] = (float) rnd.nextDouble(-1, 1);
                }
            }
            if (i % 50 == 49) {
                sequence[sequence.length / 2][0] = Float.NaN;
            }
            incoming.add(sequence);
        }
        return incoming;
    }
}
