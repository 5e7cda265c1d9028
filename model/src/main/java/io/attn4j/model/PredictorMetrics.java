package io.attn4j.model;

import java.time.Duration;

/**
 * A snapshot of a {@link Predictor}'s counters since it was built. Each counter is read on its
 * own, so a snapshot taken under traffic may be off by the requests in flight between two reads.
 *
 * @param accepted requests taken into the queue (or run at once)
 * @param completed requests that got their result
 * @param rejected requests refused because the queue was full ({@link PredictionRejectedException})
 * @param timedOut requests whose deadline passed before their batch started ({@link PredictionTimeoutException})
 * @param cancelled requests cancelled through their future before their batch started
 * @param failed requests of a batch that failed ({@link PredictionFailedException})
 * @param closedUnserved requests still queued when the predictor closed ({@link PredictorClosedException})
 * @param batches batches run
 * @param batchSizes {@code batchSizes[n]}: batches of n requests, for n in {@code [1, maxBatch]} (index 0 unused)
 * @param queueWait from a request's submission to the start of its batch (requests that ran)
 * @param compute from a batch's start to its results (per batch)
 * @param queued requests waiting now
 * @param running batches running now
 * @param swaps models swapped in since the predictor was built
 * @param scratchBytes off-heap bytes the current model's sessions and staging buffers hold now (0
 *        once {@link Predictor#close()} has returned)
 */
public record PredictorMetrics(long accepted, long completed, long rejected, long timedOut, long cancelled,
        long failed, long closedUnserved, long batches, long[] batchSizes, Latency queueWait, Latency compute,
        int queued, int running, long swaps, long scratchBytes) {

    /**
     * Percentiles of recorded durations, each within 12.5% above the true value (a histogram with
     * 8 buckets per power of two); {@code max} is exact.
     *
     * @param count durations recorded
     */
    public record Latency(long count, Duration p50, Duration p99, Duration p999, Duration max) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "p50 %s, p99 %s, p99.9 %s, max %s (%d)", micros(p50),
                    micros(p99), micros(p999), micros(max), count);
        }

        private static String micros(Duration d) {
            return String.format(java.util.Locale.ROOT, "%.0f us", d.toNanos() / 1e3);
        }
    }

    /** The mean batch size, 0 before the first batch. */
    public double meanBatchSize() {
        long n = 0, sum = 0;
        for (int i = 1; i < batchSizes.length; i++) {
            n += batchSizes[i];
            sum += (long) i * batchSizes[i];
        }
        return n == 0 ? 0 : (double) sum / n;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "accepted %d, completed %d, rejected %d, timed out %d, cancelled %d, failed %d, closed unserved %d;"
                        + " %d batches (mean size %.1f); queue wait %s; compute %s; queued %d, running %d, swaps %d,"
                        + " scratch %d bytes",
                accepted, completed, rejected, timedOut, cancelled, failed, closedUnserved, batches, meanBatchSize(),
                queueWait, compute, queued, running, swaps, scratchBytes);
    }
}
