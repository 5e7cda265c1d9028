package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.testing.RandomTrials;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link Workers#run} hands every item out exactly once, and a worker only ever uses its own slot. */
class WorkersTest {

    @Test
    void everyItemRunsOnceOnItsWorkersOwnSlot() {
        try (AttentionWorkspace workspace = new AttentionWorkspace()) {
            RandomTrials.run(300, rnd -> {
                int workers = rnd.nextInt(1, 5), items = rnd.nextInt(0, 200);
                workspace.reserveScratch(workers, 0);
                AtomicIntegerArray runs = new AtomicIntegerArray(items);
                // the slot each item ran on, and the thread each slot was used from
                AtomicIntegerArray slotOf = new AtomicIntegerArray(items);
                Thread[] slotThread = new Thread[workers];
                Workers.run(ThreeThreads.POOL, workers, items, workspace, (item, slot) -> {
                    runs.incrementAndGet(item);
                    int w = indexOf(workspace, workers, slot);
                    slotOf.set(item, w);
                    synchronized (slotThread) {
                        if (slotThread[w] == null) {
                            slotThread[w] = Thread.currentThread();
                        }
                        assertEquals(slotThread[w], Thread.currentThread(), "slot " + w + " used by two threads");
                    }
                });
                for (int i = 0; i < items; i++) {
                    assertEquals(1, runs.get(i), "item " + i + " of " + items + " on " + workers + " workers");
                    assertTrue(slotOf.get(i) >= 0 && slotOf.get(i) < workers);
                }
            });
        }
    }

    private static int indexOf(AttentionWorkspace workspace, int workers, WorkerScratch slot) {
        for (int w = 0; w < workers; w++) {
            if (workspace.slot(w) == slot) {
                return w;
            }
        }
        return -1;
    }
}
