package io.attn4j.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.model.PredictionRejectedException;
import io.attn4j.model.PredictionTimeoutException;
import io.attn4j.model.Predictor;
import io.attn4j.model.PredictorMetrics;
import io.attn4j.model.SequenceModel;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The binder on the example classifier behind a Predictor: every meter gives the value of
 * {@link Predictor#metrics()} after real traffic (predictions, a swap, a rejection, a timeout), a
 * snapshot is reused until it is one max age old, and the meters are named as the class comment
 * says. No timing thresholds: the waits only turn a hang into a failure.
 */
class PredictorMeterBinderTest {
    private static final long HANG_SECONDS = 120;
    private static final int FEATURES = 32;
    private static final String[] OUTCOMES = {"completed", "rejected", "timed_out", "cancelled", "failed",
            "closed_unserved"};

    /** {@code examples/classifier}: LSTM(32 -> 64) -> self-attention -> mean -> Linear(64, 1) -> sigmoid. */
    private static SequenceModel classifier() throws IOException {
        return SequenceModel.load(
                Path.of(System.getProperty("user.dir")).resolveSibling("examples/classifier/model.safetensors"));
    }

    /** One session, batches of up to 4, a queue of 8: a burst of 8 keeps the queue full for a batch. */
    private static Predictor predictor() throws IOException {
        return Predictor.builder(classifier()).maxSequenceLength(100).sessions(1).maxBatch(4).queueCapacity(8)
                .build();
    }

    private static float[][] sequence(SplittableRandom rnd, int steps) {
        float[][] s = new float[steps][FEATURES];
        for (float[] step : s) {
            for (int f = 0; f < FEATURES; f++) {
                step[f] = (float) (2 * rnd.nextDouble() - 1);
            }
        }
        return s;
    }

    private static float[][][] burst(SplittableRandom rnd, int n) {
        float[][][] all = new float[n][][];
        for (int i = 0; i < n; i++) {
            all[i] = sequence(rnd, 50 + rnd.nextInt(51));
        }
        return all;
    }

    @Test
    void metersGiveThePredictorsMetricsAsTheyMove() throws Exception {
        SplittableRandom rnd = new SplittableRandom(1);
        MeterRegistry registry = new SimpleMeterRegistry();
        Predictor p = predictor();
        PredictorMetrics m;
        try (p) {
            // max age zero: every read takes a new snapshot, so meters and metrics() can be compared
            new PredictorMeterBinder(p, PredictorMeterBinder.DEFAULT_PREFIX, Tags.empty(), Duration.ZERO,
                    System::nanoTime).bindTo(registry);
            assertMetersEqual(registry, p.metrics());

            for (int i = 0; i < 5; i++) {
                p.predict(sequence(rnd, 30 + i));
            }
            p.submit(burst(rnd, 8)).get(HANG_SECONDS, TimeUnit.SECONDS);
            p.swap(classifier());
            // a deadline of 1 ns has passed when the batch starts (each try is at least one call into the queue)
            for (int tries = 0; p.metrics().timedOut() == 0 && tries < 100; tries++) {
                try {
                    p.predict(sequence(rnd, 20), Duration.ofNanos(1));
                } catch (PredictionTimeoutException expected) {
                    // counted
                }
            }
            // a burst of 8 fills the queue, whose first batch takes 4: a second burst right after is refused
            List<CompletableFuture<float[][]>> served = new ArrayList<>();
            for (int tries = 0; p.metrics().rejected() == 0 && tries < 100; tries++) {
                served.add(p.submit(burst(rnd, 8)));
                try {
                    served.add(p.submit(burst(rnd, 8)));
                } catch (PredictionRejectedException expected) {
                    // counted
                }
            }
            for (CompletableFuture<float[][]> f : served) {
                f.get(HANG_SECONDS, TimeUnit.SECONDS);
            }
            awaitIdle(p);

            m = p.metrics();
            assertTrue(m.completed() >= 5 + 8 + 8 && m.accepted() > m.completed() && m.batches() > 0
                    && m.swaps() == 1 && m.timedOut() > 0 && m.rejected() >= 8, "the traffic moved the counts: " + m);
            assertTrue(m.meanBatchSize() > 1, "bursts ran in batches: " + m);
            assertTrue(m.compute().max().toNanos() > 0 && m.queueWait().max().toNanos() > 0, m.toString());
            assertMetersEqual(registry, m);
        }
        PredictorMetrics closed = p.metrics();
        assertEquals(m.completed(), closed.completed());
        assertMetersEqual(registry, closed); // after close: the last counts, not NaN
    }

    @Test
    void aSnapshotIsReusedUntilItIsOneMaxAgeOld() throws Exception {
        AtomicLong clock = new AtomicLong();
        MeterRegistry registry = new SimpleMeterRegistry();
        try (Predictor p = predictor()) {
            new PredictorMeterBinder(p, "p", Tags.empty(), Duration.ofSeconds(1), clock::get).bindTo(registry);
            assertEquals(0, completed(registry));
            p.predict(sequence(new SplittableRandom(2), 40));
            assertEquals(1, p.metrics().completed());
            clock.addAndGet(TimeUnit.SECONDS.toNanos(1) - 1);
            assertEquals(0, completed(registry), "a snapshot younger than a second is reused");
            assertEquals(0, registry.get("p.requests.accepted").functionCounter().count(), "by every meter");
            clock.incrementAndGet();
            assertEquals(1, completed(registry), "a snapshot a second old is taken again");
            assertEquals(1, registry.get("p.requests.accepted").functionCounter().count());
        }
    }

    @Test
    void metersAreNamedAndTaggedAsDocumented() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (Predictor p = predictor()) {
            new PredictorMeterBinder(p, "svc.classifier", Tags.of("model", "w7")).bindTo(registry);
            Set<String> expected = new TreeSet<>();
            expected.add("COUNTER svc.classifier.requests.accepted [model=w7] requests");
            for (String outcome : OUTCOMES) {
                expected.add("COUNTER svc.classifier.requests [model=w7, outcome=" + outcome + "] requests");
            }
            expected.add("COUNTER svc.classifier.batches [model=w7] batches");
            expected.add("COUNTER svc.classifier.swaps [model=w7] null");
            expected.add("GAUGE svc.classifier.queued [model=w7] requests");
            expected.add("GAUGE svc.classifier.running [model=w7] batches");
            expected.add("GAUGE svc.classifier.scratch [model=w7] bytes");
            expected.add("GAUGE svc.classifier.batch.size.mean [model=w7] requests");
            for (String latency : List.of("queue.wait", "compute")) {
                for (String phi : List.of("0.5", "0.99", "0.999")) {
                    expected.add("GAUGE svc.classifier." + latency + ".percentile [model=w7, phi=" + phi
                            + "] seconds");
                }
                expected.add("GAUGE svc.classifier." + latency + ".max [model=w7] seconds");
            }
            assertEquals(21, expected.size());
            assertEquals(expected, registry.getMeters().stream().map(PredictorMeterBinderTest::describe)
                    .collect(Collectors.toCollection(TreeSet::new)));

            MeterRegistry byDefault = new SimpleMeterRegistry();
            new PredictorMeterBinder(p).bindTo(byDefault);
            assertEquals(expected.stream().map(s -> s.replace("svc.classifier.", "attn4j.predictor.")
                    .replace("model=w7, ", "").replace(" [model=w7]", " []")).collect(Collectors.toSet()),
                    byDefault.getMeters().stream().map(PredictorMeterBinderTest::describe).collect(Collectors.toSet()));
        }
    }

    @Test
    void refusesMissingArguments() throws Exception {
        try (Predictor p = predictor()) {
            assertThrows(IllegalArgumentException.class, () -> new PredictorMeterBinder(null));
            assertThrows(IllegalArgumentException.class, () -> new PredictorMeterBinder(p, " ", Tags.empty()));
            assertThrows(IllegalArgumentException.class, () -> new PredictorMeterBinder(p, "p", null));
        }
    }

    private static String describe(Meter meter) {
        Meter.Id id = meter.getId();
        return id.getType() + " " + id.getName() + " "
                + id.getTags().stream().map(t -> t.getKey() + "=" + t.getValue()).toList() + " " + id.getBaseUnit();
    }

    private static double completed(MeterRegistry registry) {
        return registry.get("p.requests").tag("outcome", "completed").functionCounter().count();
    }

    /** Waits for the batches of requests that already have their result to end (their runners' return). */
    private static void awaitIdle(Predictor p) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_SECONDS);
        while ((p.metrics().running() > 0 || p.metrics().queued() > 0) && System.nanoTime() < until) {
            Thread.sleep(1);
        }
    }

    /** Each meter against the snapshot's value: counts exactly, durations in seconds (the registry's unit). */
    private static void assertMetersEqual(MeterRegistry r, PredictorMetrics m) {
        String p = PredictorMeterBinder.DEFAULT_PREFIX;
        assertEquals(m.accepted(), r.get(p + ".requests.accepted").functionCounter().count(), "accepted");
        long[] ended = {m.completed(), m.rejected(), m.timedOut(), m.cancelled(), m.failed(), m.closedUnserved()};
        for (int i = 0; i < OUTCOMES.length; i++) {
            assertEquals(ended[i], r.get(p + ".requests").tag("outcome", OUTCOMES[i]).functionCounter().count(),
                    OUTCOMES[i]);
        }
        assertEquals(m.batches(), r.get(p + ".batches").functionCounter().count(), "batches");
        assertEquals(m.swaps(), r.get(p + ".swaps").functionCounter().count(), "swaps");
        assertEquals(m.queued(), r.get(p + ".queued").gauge().value(), "queued");
        assertEquals(m.running(), r.get(p + ".running").gauge().value(), "running");
        assertEquals(m.scratchBytes(), r.get(p + ".scratch").gauge().value(), "scratch");
        assertEquals(m.meanBatchSize(), r.get(p + ".batch.size.mean").gauge().value(), "mean batch size");
        assertLatency(r, p + ".queue.wait", m.queueWait());
        assertLatency(r, p + ".compute", m.compute());
    }

    private static void assertLatency(MeterRegistry r, String name, PredictorMetrics.Latency l) {
        List<Duration> percentiles = List.of(l.p50(), l.p99(), l.p999());
        List<String> phis = List.of("0.5", "0.99", "0.999");
        for (int i = 0; i < phis.size(); i++) {
            double seconds = r.get(name + ".percentile").tags(List.of(Tag.of("phi", phis.get(i)))).timeGauge()
                    .value();
            assertEquals(percentiles.get(i).toNanos() / 1e9, seconds, 1e-15, name + " p" + phis.get(i));
        }
        assertEquals(l.max().toNanos() / 1e9, r.get(name + ".max").timeGauge().value(), 1e-15, name + " max");
    }
}
