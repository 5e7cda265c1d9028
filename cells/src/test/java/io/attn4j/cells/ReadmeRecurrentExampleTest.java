package io.attn4j.cells;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    void theReadmeShowsThisCode() throws IOException {
        Path module = Path.of(System.getProperty("user.dir"));
        String readme = Files.readString(module.resolveSibling("README.md"));
        List<String> source = Files
                .readAllLines(module.resolve("src/test/java/io/attn4j/cells/ReadmeRecurrentExampleTest.java"));
        List<String> body = source
                .subList(source.indexOf("        // README begin") + 1, source.indexOf("        // README end"))
                .stream().map(l -> l.length() >= 8 ? l.substring(8) : l).toList();
        int section = readme.indexOf("## Running a PyTorch LSTM");
        assertTrue(section >= 0, "README has no 'Running a PyTorch LSTM' section");
        int start = readme.indexOf("```java\n", section) + 8;
        List<String> block = readme.substring(start, readme.indexOf("```", start)).lines().toList();
        assertEquals(String.join("\n", body), String.join("\n", block));
    }
}
