package io.attn4j.model;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link PredictorMetrics}: striped adders and atomic histograms, nothing allocated per update. */
final class ServingStats {
    final LongAdder accepted = new LongAdder();
    final LongAdder completed = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder timedOut = new LongAdder();
    final LongAdder cancelled = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder closedUnserved = new LongAdder();
    final LongAdder batches = new LongAdder();
    final LongAdder swaps = new LongAdder();
    final AtomicLongArray batchSizes;
    final LatencyHistogram queueWait = new LatencyHistogram();
    final LatencyHistogram compute = new LatencyHistogram();

    ServingStats(int maxBatch) {
        batchSizes = new AtomicLongArray(maxBatch + 1);
    }

    PredictorMetrics snapshot(int queued, int running, long scratchBytes) {
        long[] sizes = new long[batchSizes.length()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = batchSizes.get(i);
        }
        return new PredictorMetrics(accepted.sum(), completed.sum(), rejected.sum(), timedOut.sum(), cancelled.sum(),
                failed.sum(), closedUnserved.sum(), batches.sum(), sizes, queueWait.snapshot(), compute.snapshot(),
                queued, running, swaps.sum(), scratchBytes);
    }
}
