package io.attn4j.model;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A concurrent histogram of durations in nanoseconds, log-linear: 8 buckets per power of two, so
 * a percentile read from it is within 12.5% above the true value (it reports a bucket's upper
 * end); the maximum is exact. Recording is one atomic increment, with no allocation and no lock.
 */
final class LatencyHistogram {
    private static final int SUB_BITS = 3;
    private static final int SUB = 1 << SUB_BITS;
    /** Buckets for every non-negative long: exponents 3..62 with 8 sub-buckets each, plus 0..7. */
    private static final int BUCKETS = (63 - SUB_BITS) * SUB + SUB;
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final AtomicLong max = new AtomicLong();

    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts.incrementAndGet(index(v));
        if (v > max.get()) {
            max.accumulateAndGet(v, Math::max);
        }
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int e = 63 - Long.numberOfLeadingZeros(v);
        return (e - SUB_BITS) * SUB + (int) (v >>> (e - SUB_BITS));
    }

    /** The largest value bucket {@code i} holds. */
    static long upper(int i) {
        if (i < SUB) {
            return i;
        }
        int e = i / SUB + SUB_BITS - 1, m = i % SUB + SUB;
        return ((long) (m + 1) << (e - SUB_BITS)) - 1;
    }

    /** Count, p50, p99, p99.9 and max of what was recorded until now (a racing record may or may not be seen). */
    PredictorMetrics.Latency snapshot() {
        long[] c = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            c[i] = counts.get(i);
            total += c[i];
        }
        long top = max.get();
        return new PredictorMetrics.Latency(total, percentile(c, total, 0.50, top), percentile(c, total, 0.99, top),
                percentile(c, total, 0.999, top), Duration.ofNanos(top));
    }

    private static Duration percentile(long[] c, long total, double q, long max) {
        if (total == 0) {
            return Duration.ZERO;
        }
        long rank = (long) Math.ceil(q * total), seen = 0;
        for (int i = 0; i < c.length; i++) {
            seen += c[i];
            if (seen >= rank) {
                return Duration.ofNanos(Math.min(upper(i), max));
            }
        }
        return Duration.ofNanos(max);
    }
}
