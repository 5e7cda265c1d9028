package io.attn4j.model;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * {@link Predictor#warmUp()}: runs the batch path on synthetic inputs (finite values in [-1, 1],
 * or token ids in the model's range, from a fixed seed) until the JIT is done with it.
 *
 * <p>First every session once at its largest shape, {@code maxBatch x maxSeq}: its attention
 * scratch grows to its final size then, not under traffic. Then rounds of single requests (the
 * latency path: the batch-1 kernels) of lengths spread over {@code [maxSeq/2, maxSeq]} (the
 * model's fixed steps, if it has them), and one
 * batch of half and one of all {@code maxBatch} requests per round (the batched kernels), until
 * the JIT has compiled nothing for {@link #QUIET_NANOS} after at least {@link #MIN_ROUNDS} rounds,
 * or {@link #MAX_NANOS} have passed. (Where the JVM does not report its compilation time, it runs
 * {@link #MIN_ROUNDS} rounds.) Last, {@link #REQUESTS} requests through the predictor's own path
 * (checks, queue, completion, metrics, events), whose first use loads classes.
 */
final class WarmUp {
    static final int MIN_ROUNDS = 50;
    /** Requests sent through the predictor's whole path at the end. */
    static final int REQUESTS = 200;
    static final int SINGLES_PER_ROUND = 16;
    static final long QUIET_NANOS = 500_000_000L;
    static final long MAX_NANOS = 10_000_000_000L;

    private WarmUp() {
    }

    static void run(Predictor predictor, Batcher batcher, ServedModel shape, int maxBatch, int maxSeq,
            int sessions) {
        SplittableRandom rnd = new SplittableRandom(0x5EED);
        Request<?>[] requests = new Request<?>[maxBatch];
        int longest = shape.fixedSteps() > 0 ? shape.fixedSteps() : maxSeq;
        for (int i = 0; i < maxBatch; i++) {
            requests[i] = new Request<>(input(shape, longest, rnd), longest, System.nanoTime(), Request.NONE, i, null);
        }
        Runner[] held = new Runner[sessions];
        try {
            for (int i = 0; i < sessions; i++) {
                held[i] = batcher.acquireWaiting();
                fill(held[i], requests, maxBatch, maxSeq);
                held[i].run(maxBatch, null);
            }
        } finally {
            for (Runner r : held) {
                if (r != null) {
                    clear(r, maxBatch);
                    batcher.releaseAcquired(r);
                }
            }
        }
        Runner runner = batcher.acquireWaiting();
        try {
            compile(runner, requests, maxBatch, maxSeq, shape.fixedSteps(), rnd);
        } finally {
            clear(runner, maxBatch);
            batcher.releaseAcquired(runner);
        }
        // the request path around the batches (checks, queue, completion, histograms, events): its
        // first use loads and initializes classes, which would otherwise fall on the first request
        for (int i = 0; i < REQUESTS; i++) {
            Object input = requests[i % maxBatch].input;
            int steps = steps(maxSeq, shape.fixedSteps(), rnd);
            predictor.predictAny(input instanceof int[] ids
                    ? Arrays.copyOf(ids, steps)
                    : Arrays.copyOf((float[][]) input, steps));
        }
    }

    /** One synthetic request of {@code steps}: features in [-1, 1], or token ids in the model's range. */
    private static Object input(ServedModel shape, int steps, SplittableRandom rnd) {
        if (shape.takesTokens()) {
            int[] ids = new int[steps];
            for (int t = 0; t < steps; t++) {
                ids[t] = rnd.nextInt(shape.tokenCount());
            }
            return ids;
        }
        float[][] sequence = new float[steps][shape.features()];
        for (float[] step : sequence) {
            for (int f = 0; f < step.length; f++) {
                step[f] = (float) rnd.nextDouble(-1, 1);
            }
        }
        return sequence;
    }

    /** A request's length: spread over {@code [maxSeq/2, maxSeq]}, or the model's fixed steps. */
    private static int steps(int maxSeq, int fixed, SplittableRandom rnd) {
        return fixed > 0 ? fixed : maxSeq - rnd.nextInt(maxSeq / 2 + 1);
    }

    private static void compile(Runner runner, Request<?>[] requests, int maxBatch, int maxSeq, int fixed,
            SplittableRandom rnd) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime(), lastCompile = timed ? jit.getTotalCompilationTime() : 0;
        long quietSince = start;
        for (int round = 0;; round++) {
            for (int i = 0; i < SINGLES_PER_ROUND; i++) {
                Request<?> r = requests[rnd.nextInt(maxBatch)];
                int steps = steps(maxSeq, fixed, rnd);
                runner.batch[0] = new Request<>(r.input, steps, 0, Request.NONE, 0, null);
                runner.run(1, null);
            }
            fill(runner, requests, maxBatch, maxSeq);
            runner.run(Math.max(1, maxBatch / 2), null);
            runner.run(maxBatch, null);
            long now = System.nanoTime();
            if (round + 1 >= MIN_ROUNDS && !timed || now - start > MAX_NANOS) {
                return;
            }
            if (timed) {
                long compiled = jit.getTotalCompilationTime();
                if (compiled != lastCompile) {
                    lastCompile = compiled;
                    quietSince = now;
                } else if (round + 1 >= MIN_ROUNDS && now - quietSince > QUIET_NANOS) {
                    return;
                }
            }
        }
    }

    private static void fill(Runner runner, Request<?>[] requests, int n, int maxSeq) {
        System.arraycopy(requests, 0, runner.batch, 0, n);
    }

    private static void clear(Runner runner, int n) {
        for (int i = 0; i < n; i++) {
            if (runner.batch[i] != null) {
                runner.batch[i].result = null;
                runner.batch[i] = null;
            }
        }
    }
}
