package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Soak: {@code attn4j.soakCalls} calls (10,000 in CI; the README's long form runs 100,000) from 8
 * threads on one Predictor, after a warm-up phase of a fifth as many; then the heap after a full
 * GC, the native memory of the JVM's "Other" category (where FFM arenas allocate, read from Native
 * Memory Tracking: this test runs in a JVM of its own started with
 * {@code -XX:NativeMemoryTracking=summary}) and the sessions' own accounting must be where the
 * warm-up left them. Prints the figures.
 *
 * <p>Bounds: the sessions' bytes exactly; native memory within 256 KiB and 8 blocks (other parts
 * of the JVM allocate there too; a leak of one block per batch would add thousands); the heap
 * within {@code max(256 KiB, 32 bytes x calls)}, below what leaking a single request record (over
 * 60 bytes) per call would add. The sequences have 50, 75 or 100 steps, so the warm-up sees every
 * batch shape the soak runs (the sessions keep a few views per shape).
 */
@Tag("soak")
class PredictorSoakTest {
    private static final int CALLS = Integer.getInteger("attn4j.soakCalls", 10_000);
    private static final int THREADS = 8;

    @Test
    void memoryIsFlatOverManyCalls() throws Exception {
        SplittableRandom rnd = new SplittableRandom(51);
        float[][][] pool = new float[24][][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = Serving.sequence(rnd, 50 + 25 * (i % 3), 32);
        }
        float[][] expected;
        try (SequenceModel reference = Serving.classifier()) {
            expected = Serving.solo(reference, pool, 100);
        }
        try (Predictor p = Predictor.builder(Serving.classifier()).maxSequenceLength(100).maxBatch(16)
                .maxWait(Duration.ofMillis(1)).queueCapacity(256).build()) {
            p.warmUp();
            Snapshot.take(p); // the first reading loads the management beans, which stay on the heap
            run(p, pool, expected, Math.max(2000, CALLS / 5), rnd.nextLong());
            Snapshot before = Snapshot.take(p);
            run(p, pool, expected, CALLS, rnd.nextLong());
            Snapshot after = Snapshot.take(p);
            PredictorMetrics m = p.metrics();
            System.out.printf("soak: %d calls on %d threads; heap after GC %d -> %d bytes; native (NMT Other) %s ->"
                    + " %s; sessions %d -> %d bytes; %s%n", CALLS, THREADS, before.heap, after.heap,
                    before.nativeText(), after.nativeText(), before.sessions, after.sessions, m);
            assertEquals(before.sessions, after.sessions, "the sessions' memory grew");
            if (before.nativeKb >= 0) {
                assertTrue(after.nativeKb - before.nativeKb <= 256 && after.nativeBlocks - before.nativeBlocks <= 8,
                        "native memory grew: " + before.nativeText() + " -> " + after.nativeText());
            }
            long heapBound = Math.max(256 << 10, 32L * CALLS);
            assertTrue(after.heap - before.heap <= heapBound,
                    "the heap after GC grew by " + (after.heap - before.heap) + " bytes, over " + heapBound);
            assertEquals(0, m.failed() + m.rejected() + m.timedOut());
        }
    }

    private static void run(Predictor p, float[][][] pool, float[][] expected, int calls, long seed) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long s = seed + t;
                int mine = calls / THREADS + (t < calls % THREADS ? 1 : 0);
                done.add(threads.submit(() -> {
                    SplittableRandom r = new SplittableRandom(s);
                    for (int i = 0; i < mine; i++) {
                        int pick = r.nextInt(pool.length);
                        float[] got = r.nextBoolean()
                                ? p.predict(pool[pick])
                                : p.submit(pool[pick]).get(Serving.HANG_SECONDS, TimeUnit.SECONDS);
                        assertTrue(Serving.sameBits(expected[pick], got), "sequence " + pick);
                    }
                    return null;
                }));
            }
            for (Future<?> d : done) {
                d.get(20 * Serving.HANG_SECONDS, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** Memory figures after a full GC. */
    private record Snapshot(long heap, long nativeKb, long nativeBlocks, long sessions) {
        private static final int HEAP_READINGS = 5;
        private static final Pattern OTHER = Pattern.compile("\\(malloc=(\\d+)KB tag=Other #(\\d+)");

        static Snapshot take(Predictor p) throws Exception {
            // the least of several readings, each after a GC and a pause for the collector's
            // concurrent work (reference processing, freed TLABs): one reading may catch a few
            // hundred KB of garbage the GC has not yet reclaimed, the least does not
            long heap = Long.MAX_VALUE;
            for (int i = 0; i < HEAP_READINGS; i++) {
                System.gc();
                Thread.sleep(50);
                heap = Math.min(heap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            }
            long kb = -1, blocks = -1;
            String nmt = nmt();
            Matcher m = OTHER.matcher(nmt);
            if (m.find()) {
                kb = Long.parseLong(m.group(1));
                blocks = Long.parseLong(m.group(2));
            }
            return new Snapshot(heap, kb, blocks, p.heldBytes());
        }

        String nativeText() {
            return nativeKb < 0 ? "(NMT off)" : nativeKb + " KB in " + nativeBlocks + " blocks";
        }

        private static String nmt() {
            try {
                return (String) ManagementFactory.getPlatformMBeanServer().invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                        new Object[]{new String[]{"summary"}}, new String[]{String[].class.getName()});
            } catch (Exception e) {
                return "";
            }
        }
    }
}
