package io.attn4j.cells;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One network serves many threads at once, each with its own workspace, with the same bits as one thread. */
class RecurrentThreadSafetyTest {

    @Test
    void concurrentCallsGiveTheSingleThreadedBits() throws Exception {
        RecurrentSpec spec = new RecurrentSpec(CellType.LSTM, 12, 33, 2, true);
        int batch = 3, seq = 17, threads = 4, callsPerThread = 20;
        try (Arena arena = Arena.ofShared()) {
            Case c = Case.random(spec, batch, seq, new SplittableRandom(7), arena, true);
            float[] expected = c.run(arena, new int[]{17, 5, 11}, null).output();
            try (RecurrentNetwork net = RecurrentNetwork.fromPyTorch(spec, c.tensors, "")) {
                Tensor x = Tensor.of(arena, c.x, batch, seq, 12);
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                try {
                    List<Future<float[]>> results = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        results.add(pool.submit(() -> {
                            try (Arena own = Arena.ofConfined(); RecurrentWorkspace ws = net.newWorkspace(batch, seq)) {
                                long states = (long) spec.numLayers() * spec.directions();
                                Tensor h0 = Tensor.of(own, c.h0, states, batch, 33);
                                Tensor c0 = Tensor.of(own, c.c0, states, batch, 33);
                                Tensor out = Tensor.allocate(own, DType.F32, batch, seq, spec.outputSize());
                                float[] last = null;
                                for (int i = 0; i < callsPerThread; i++) {
                                    net.forward(ws, x, new int[]{17, 5, 11}, h0, c0, out, null, null);
                                    last = out.toFloatArray();
                                    assertArrayEquals(expected, last);
                                }
                                return last;
                            }
                        }));
                    }
                    for (Future<float[]> f : results) {
                        assertArrayEquals(expected, f.get());
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }
}
