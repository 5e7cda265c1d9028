package io.attn4j.cells;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.ReadmeBlocks;
import java.lang.foreign.Arena;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The README's "Running a PyTorch LSTM" example compiles, runs, and is what the README shows. */
class ReadmeRecurrentExampleTest {

    private static void example(Map<String, Tensor> stateDict) {
        // @formatter:off
        // README begin
        RecurrentSpec spec = new RecurrentSpec(CellType.LSTM, 32, 64, 1, false); // nn.LSTM(32, 64, batch_first=True)
        try (Arena arena = Arena.ofConfined();
             RecurrentNetwork lstm = RecurrentNetwork.fromPyTorch(spec, stateDict, "lstm."); // "lstm.weight_ih_l0", ...
             RecurrentWorkspace ws = lstm.newWorkspace(4, 20)) {                           // up to 4 sequences of 20 steps
            Tensor x = Tensor.allocate(arena, DType.F32, 4, 20, 32);   // (batch, seq, features), padding may hold anything
            Tensor out = Tensor.allocate(arena, DType.F32, 4, 20, 64); // (batch, seq, hidden): 0 past each length
            Tensor hN = Tensor.allocate(arena, DType.F32, 1, 4, 64);   // (layers * directions, batch, hidden)
            Tensor cN = Tensor.allocate(arena, DType.F32, 1, 4, 64);
            lstm.forward(ws, x, new int[] {20, 13, 5, 1}, null, null, out, hN, cN); // lengths in any order; null h0/c0 = zeros
        }
        // README end
        // @formatter:on
    }

    @Test
    void runs() {
        try (Arena arena = Arena.ofConfined()) {
            Case c = Case.random(new RecurrentSpec(CellType.LSTM, 32, 64, 1, false), 4, 20, new SplittableRandom(1),
                    arena, false);
            Map<String, Tensor> stateDict = new java.util.HashMap<>();
            c.tensors.forEach((name, t) -> stateDict.put("lstm." + name, t));
            example(stateDict);
        }
    }

    @Test
    void theReadmeShowsThisCode() {
        String readme = ReadmeBlocks.readme();
        ReadmeBlocks.assertShows(readme, ReadmeBlocks.find(readme, "## Running a PyTorch LSTM"),
                "src/test/java/io/attn4j/cells/ReadmeRecurrentExampleTest.java", "");
    }
}
