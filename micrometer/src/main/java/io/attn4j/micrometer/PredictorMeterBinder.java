package io.attn4j.micrometer;

import io.attn4j.model.Predictor;
import io.attn4j.model.PredictorMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Publishes a {@link Predictor}'s {@link Predictor#metrics() metrics} to a Micrometer
 * {@link MeterRegistry}. Optional: it lives in the {@code attn4j-micrometer} artifact, and the
 * model module does not depend on Micrometer.
 *
 * <pre>{@code
 * new PredictorMeterBinder(predictor, "attn4j.predictor", Tags.of("model", "classifier")).bindTo(registry);
 * }</pre>
 *
 * <h2>Meters</h2>
 * Each name starts with the prefix ({@value #DEFAULT_PREFIX} by default) and each meter carries the
 * tags given to the constructor, plus the tag listed here:
 * <table>
 * <caption>The meters of one predictor</caption>
 * <tr><th>name</th><th>type</th><th>tag</th><th>unit</th><th>value</th></tr>
 * <tr><td>{@code .requests.accepted}</td><td>function counter</td><td></td><td>requests</td>
 * <td>requests taken into the queue (or run at once)</td></tr>
 * <tr><td>{@code .requests}</td><td>function counter</td><td>{@code outcome}: {@code completed},
 * {@code rejected}, {@code timed_out}, {@code cancelled}, {@code failed}, {@code closed_unserved}</td>
 * <td>requests</td><td>requests that ended so (a rejected request was never accepted)</td></tr>
 * <tr><td>{@code .batches}</td><td>function counter</td><td></td><td>batches</td><td>batches run</td></tr>
 * <tr><td>{@code .swaps}</td><td>function counter</td><td></td><td></td><td>models swapped in</td></tr>
 * <tr><td>{@code .queued}</td><td>gauge</td><td></td><td>requests</td><td>requests waiting now</td></tr>
 * <tr><td>{@code .running}</td><td>gauge</td><td></td><td>batches</td><td>batches running now</td></tr>
 * <tr><td>{@code .scratch}</td><td>gauge</td><td></td><td>bytes</td>
 * <td>off-heap bytes the current model's sessions and staging buffers hold</td></tr>
 * <tr><td>{@code .batch.size.mean}</td><td>gauge</td><td></td><td>requests</td>
 * <td>mean requests per batch (0 before the first)</td></tr>
 * <tr><td>{@code .queue.wait.percentile}</td><td>time gauge</td><td>{@code phi}: {@code 0.5}, {@code 0.99},
 * {@code 0.999}</td><td>the registry's time unit</td><td>a request's wait from submission to the start of
 * its batch</td></tr>
 * <tr><td>{@code .queue.wait.max}</td><td>time gauge</td><td></td><td>the registry's time unit</td>
 * <td>the longest such wait</td></tr>
 * <tr><td>{@code .compute.percentile}</td><td>time gauge</td><td>{@code phi}: {@code 0.5}, {@code 0.99},
 * {@code 0.999}</td><td>the registry's time unit</td><td>a batch's time from its start to its
 * results</td></tr>
 * <tr><td>{@code .compute.max}</td><td>time gauge</td><td></td><td>the registry's time unit</td>
 * <td>the longest batch</td></tr>
 * </table>
 * Counters, percentiles, maxima and the mean batch size cover the predictor's whole life, as
 * {@link PredictorMetrics} does (percentiles within 12.5% above the true value): they are not
 * windowed. The counters never decrease, even when the predictor takes back a count it made in a
 * race (a timeout or a close that lost to the request's completion).
 *
 * <h2>Cost and freshness</h2>
 * All meters read one snapshot of {@link Predictor#metrics()}, taken again when it is older than
 * one second: a snapshot copies two latency histograms of about 500 buckets each and takes twice
 * the lock every request takes, which a scrape of the 21 meters would otherwise repeat 21 times. A
 * meter's value may thus be up to one second old.
 *
 * <h2>Lifecycle</h2>
 * The binder and its registered meters hold the predictor strongly. After the predictor is
 * closed, the meters keep giving its last counts; remove them from the registry to let the
 * predictor be collected.
 *
 * <p>Thread-safe: the meters may be read from any thread, and the binder may be bound to several
 * registries.
 */
public final class PredictorMeterBinder implements MeterBinder {
    /** The prefix of every meter name unless another is given. */
    public static final String DEFAULT_PREFIX = "attn4j.predictor";

    /** The counters of a snapshot, each published by one function counter. */
    private enum Count {
        ACCEPTED, COMPLETED, REJECTED, TIMED_OUT, CANCELLED, FAILED, CLOSED_UNSERVED, BATCHES, SWAPS;

        long of(PredictorMetrics m) {
            return switch (this) {
                case ACCEPTED -> m.accepted();
                case COMPLETED -> m.completed();
                case REJECTED -> m.rejected();
                case TIMED_OUT -> m.timedOut();
                case CANCELLED -> m.cancelled();
                case FAILED -> m.failed();
                case CLOSED_UNSERVED -> m.closedUnserved();
                case BATCHES -> m.batches();
                case SWAPS -> m.swaps();
            };
        }
    }

    private final Predictor predictor;
    private final String prefix;
    private final Tags tags;
    private final long maxAgeNanos;
    private final LongSupplier nanoTime;
    private final Object refreshLock = new Object();
    private volatile Reading reading;

    /**
     * A snapshot and the time it was taken; its counters (indexed by {@link Count#ordinal()}) are
     * clamped so that they never fall below the previous reading's.
     */
    private record Reading(PredictorMetrics metrics, long[] counts, long takenAt) {
    }

    /** A binder for {@code predictor}'s meters, named {@value #DEFAULT_PREFIX}{@code .*}, without tags. */
    public PredictorMeterBinder(Predictor predictor) {
        this(predictor, DEFAULT_PREFIX, Tags.empty());
    }

    /**
     * A binder for {@code predictor}'s meters, named {@code prefix.*}, each with {@code tags} (for
     * example the model's name, to tell several predictors apart).
     *
     * @throws IllegalArgumentException if an argument is null or the prefix is blank
     */
    public PredictorMeterBinder(Predictor predictor, String prefix, Iterable<Tag> tags) {
        this(predictor, prefix, tags, Duration.ofSeconds(1), System::nanoTime);
    }

    /** Tests: a binder that takes a new snapshot once the last is {@code maxAge} old on {@code nanoTime}. */
    PredictorMeterBinder(Predictor predictor, String prefix, Iterable<Tag> tags, Duration maxAge,
            LongSupplier nanoTime) {
        if (predictor == null) {
            throw new IllegalArgumentException("predictor is null");
        }
        if (prefix == null || prefix.isBlank()) {
            throw new IllegalArgumentException("prefix must be a meter name, got \"" + prefix + "\"");
        }
        if (tags == null) {
            throw new IllegalArgumentException("tags is null (give Tags.empty() for none)");
        }
        this.predictor = predictor;
        this.prefix = prefix;
        this.tags = Tags.of(tags);
        this.maxAgeNanos = maxAge.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Registers the meters of the class comment with {@code registry}. */
    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, ".requests.accepted", Tags.empty(), "requests", Count.ACCEPTED,
                "Requests taken into the queue or run at once");
        for (Count outcome : List.of(Count.COMPLETED, Count.REJECTED, Count.TIMED_OUT, Count.CANCELLED, Count.FAILED,
                Count.CLOSED_UNSERVED)) {
            counter(registry, ".requests", Tags.of("outcome", outcome.name().toLowerCase(Locale.ROOT)), "requests",
                    outcome, "Requests by how they ended; rejected ones were never accepted");
        }
        counter(registry, ".batches", Tags.empty(), "batches", Count.BATCHES, "Batches run");
        counter(registry, ".swaps", Tags.empty(), null, Count.SWAPS, "Models swapped in");

        gauge(registry, ".queued", "requests", m -> m.queued(), "Requests waiting now");
        gauge(registry, ".running", "batches", m -> m.running(), "Batches running now");
        gauge(registry, ".scratch", "bytes", m -> m.scratchBytes(),
                "Off-heap bytes the current model's sessions and staging buffers hold");
        gauge(registry, ".batch.size.mean", "requests", PredictorMetrics::meanBatchSize,
                "Mean requests per batch since the predictor was built");

        latency(registry, ".queue.wait", PredictorMetrics::queueWait,
                "A request's wait from submission to the start of its batch, since the predictor was built");
        latency(registry, ".compute", PredictorMetrics::compute,
                "A batch's time from its start to its results, since the predictor was built");
    }

    private void counter(MeterRegistry registry, String name, Tags tag, String unit, Count count,
            String description) {
        // weakly held by the counter, but strongly by the gauges (strongReference): alive while bound
        FunctionCounter.builder(prefix + name, this, b -> b.reading().counts[count.ordinal()]).tags(tags.and(tag))
                .baseUnit(unit).description(description).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String unit, ToDoubleFunction<PredictorMetrics> value,
            String description) {
        Gauge.builder(prefix + name, this, b -> value.applyAsDouble(b.reading().metrics())).tags(tags)
                .baseUnit(unit).description(description).strongReference(true).register(registry);
    }

    private void latency(MeterRegistry registry, String name, Function<PredictorMetrics, PredictorMetrics.Latency> of,
            String description) {
        String[] phis = {"0.5", "0.99", "0.999"};
        List<Function<PredictorMetrics.Latency, Duration>> percentiles = List.of(PredictorMetrics.Latency::p50,
                PredictorMetrics.Latency::p99, PredictorMetrics.Latency::p999);
        for (int i = 0; i < phis.length; i++) {
            Function<PredictorMetrics.Latency, Duration> percentile = percentiles.get(i);
            timeGauge(registry, name + ".percentile", Tags.of("phi", phis[i]),
                    m -> percentile.apply(of.apply(m)).toNanos(), description);
        }
        timeGauge(registry, name + ".max", Tags.empty(), m -> of.apply(m).max().toNanos(), description);
    }

    private void timeGauge(MeterRegistry registry, String name, Tags tag, ToLongFunction<PredictorMetrics> nanos,
            String description) {
        TimeGauge.builder(prefix + name, this, TimeUnit.NANOSECONDS, b -> nanos.applyAsLong(b.reading().metrics()))
                .tags(tags.and(tag)).description(description).strongReference(true).register(registry);
    }

    /** The last snapshot, or a new one once it is {@code maxAgeNanos} old. */
    private Reading reading() {
        long now = nanoTime.getAsLong();
        Reading last = reading;
        if (last != null && now - last.takenAt < maxAgeNanos) {
            return last;
        }
        synchronized (refreshLock) {
            last = reading;
            if (last != null && now - last.takenAt < maxAgeNanos) {
                return last; // another thread refreshed it meanwhile
            }
            PredictorMetrics m = predictor.metrics();
            Count[] all = Count.values();
            long[] counts = new long[all.length];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = Math.max(all[i].of(m), last == null ? 0 : last.counts[i]);
            }
            Reading next = new Reading(m, counts, now);
            reading = next;
            return next;
        }
    }
}
