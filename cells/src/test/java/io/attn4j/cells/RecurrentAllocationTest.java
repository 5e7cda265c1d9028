package io.attn4j.cells;

import static org.junit.jupiter.api.Assertions.fail;

import com.sun.management.ThreadMXBean;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Once compiled, a forward pass allocates nothing on the Java heap: its scratch lives in the
 * workspace. Each network runs in batches of calls until one batch allocates nothing, or fails
 * after {@link #PATIENCE_NANOS}. Batch 1 and a batch with different lengths (the lone-row and the
 * tiled GEMM paths), every cell type, bidirectional.
 */
@Tag("allocation")
class RecurrentAllocationTest {
    private static final long PATIENCE_NANOS = 15_000_000_000L;
    private static final int CALLS = 50;
    private static final int SEQ = 20;
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TestFactory
    Stream<DynamicTest> forwardStopsAllocating() {
        return Stream.of(CellType.values()).flatMap(cell -> Stream.of(1, 5)
                .map(batch -> DynamicTest.dynamicTest(cell + " batch " + batch, () -> settles(cell, batch))));
    }

    private static void settles(CellType cell, int batch) {
        try (Arena arena = Arena.ofConfined()) {
            RecurrentSpec spec = new RecurrentSpec(cell, 24, 64, 1, true);
            Case c = Case.random(spec, batch, SEQ, new SplittableRandom(cell.ordinal()), arena, false);
            try (RecurrentNetwork net = RecurrentNetwork.fromPyTorch(spec, c.tensors, "")) {
                RecurrentWorkspace ws = net.newWorkspace(batch, SEQ);
                Tensor x = Tensor.of(arena, c.x, batch, SEQ, spec.inputSize());
                Tensor out = Tensor.allocate(arena, DType.F32, batch, SEQ, spec.outputSize());
                int[] lengths = new int[batch];
                for (int b = 0; b < batch; b++) {
                    lengths[b] = SEQ - 3 * b;
                }
                long deadline = System.nanoTime() + PATIENCE_NANOS, bytes = -1;
                while (System.nanoTime() < deadline) {
                    long before = THREADS.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < CALLS; i++) {
                        net.forward(ws, x, lengths, null, null, out, null, null);
                    }
                    bytes = THREADS.getCurrentThreadAllocatedBytes() - before;
                    if (bytes == 0) {
                        return;
                    }
                }
                fail(cell + " batch " + batch + " still allocates " + bytes / CALLS + " bytes per forward pass after "
                        + PATIENCE_NANOS / 1_000_000_000 + " s");
            }
        }
    }
}
