package io.attn4j.cells;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.golden.GoldenCase;
import io.attn4j.engine.golden.GoldenCases;
import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.engine.testing.TestKernels;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every recurrent golden case (PyTorch {@code rnn_*}, {@code lstm_*}, {@code gru_*}, packed
 * batches, and the Keras-layout {@code keras_lstm*}/{@code keras_gru*}) on the provider's kernels
 * and on the scalar reference, at the golden tolerance
 * {@code max|got - expected| <= 1e-5 * max(1, max|expected|)}.
 */
class RecurrentGoldenTest {

    @TestFactory
    Stream<DynamicTest> everyRecurrentCaseMatchesPyTorch() {
        List<Path> files = Stream.of("rnn_", "lstm_", "gru_", "keras_lstm", "keras_gru")
                .flatMap(p -> GoldenCases.files(p).stream()).toList();
        assertTrue(files.size() >= 16, "expected the 16 recurrent cases, found " + files);
        List<Kernels> implementations = List.of(KernelProvider.kernels(), TestKernels.scalar());
        return files.stream().flatMap(file -> implementations.stream().map(k -> DynamicTest.dynamicTest(
                file.getFileName() + " on " + k.name(), () -> check(GoldenCase.read(file), k))));
    }

    private static void check(GoldenCase golden, Kernels kernels) {
        boolean keras = golden.metadata().get("kind").startsWith("keras_");
        RecurrentSpec spec = keras ? kerasSpec(golden) : pytorchSpec(golden);
        long[] xShape = golden.shape("input.x");
        int batch = (int) xShape[0], seq = (int) xShape[1];
        long[] states = {(long) spec.numLayers() * spec.directions(), batch, spec.hiddenSize()};
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> weights = new HashMap<>();
            for (String name : golden.entries().keySet()) {
                if (!name.startsWith("input.") && !name.startsWith("expected.")) {
                    weights.put(name, golden.f32(arena, name));
                }
            }
            int[] lengths = null;
            if (golden.entries().containsKey("input.lengths")) {
                long[] l = golden.i64("input.lengths");
                lengths = new int[l.length];
                for (int i = 0; i < l.length; i++) {
                    lengths[i] = Math.toIntExact(l[i]);
                }
            }
            Tensor h0 = state(golden, arena, "input.h0", states);
            Tensor c0 = state(golden, arena, "input.c0", states);
            Tensor out = Tensor.allocate(arena, DType.F32, batch, seq, spec.outputSize());
            Tensor hN = Tensor.allocate(arena, DType.F32, states);
            Tensor cN = spec.cell().hasCellState() ? Tensor.allocate(arena, DType.F32, states) : null;
            out.fill(Float.NaN); // padded steps must be written as exact zeros
            try (RecurrentNetwork net = keras
                    ? RecurrentNetwork.fromKeras(spec, weights, "", kernels)
                    : RecurrentNetwork.fromPyTorch(spec, weights, "", kernels);
                    RecurrentWorkspace ws = net.newWorkspace(batch, seq)) {
                net.forward(ws, golden.f32(arena, "input.x"), lengths, h0, c0, out, hN, cN);
            }
            assertMatches(golden, "expected.output", out.toFloatArray());
            assertMatches(golden, keras ? "expected.h" : "expected.h_n", hN.toFloatArray());
            if (cN != null) {
                assertMatches(golden, keras ? "expected.c" : "expected.c_n", cN.toFloatArray());
            }
        }
    }

    /** Keras states are (batch, u); ours are (layers*directions, batch, u) with one layer and direction. */
    private static Tensor state(GoldenCase golden, Arena arena, String name, long[] shape) {
        return golden.entries().containsKey(name) ? Tensor.of(arena, golden.f32(name), shape) : null;
    }

    private static RecurrentSpec pytorchSpec(GoldenCase golden) {
        String module = golden.metadata().get("module");
        String args = golden.metadata().get("ctor_args");
        CellType cell = switch (module) {
            case "torch.nn.LSTM" -> CellType.LSTM;
            case "torch.nn.GRU" -> CellType.GRU;
            case "torch.nn.RNN" -> args.contains("\"relu\"") ? CellType.RNN_RELU : CellType.RNN_TANH;
            default -> throw new AssertionError("unknown module " + module);
        };
        return new RecurrentSpec(cell, intArg(args, "input_size"), intArg(args, "hidden_size"),
                intArg(args, "num_layers"), args.contains("\"bidirectional\": true"));
    }

    private static RecurrentSpec kerasSpec(GoldenCase golden) {
        CellType cell = golden.metadata().get("kind").equals("keras_lstm") ? CellType.LSTM : CellType.GRU;
        long[] kernel = golden.shape("kernel");
        return new RecurrentSpec(cell, (int) kernel[0], (int) kernel[1] / cell.gates(), 1, false);
    }

    private static int intArg(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*(\\d+)").matcher(json);
        assertTrue(m.find(), "no " + key + " in " + json);
        return Integer.parseInt(m.group(1));
    }

    private static void assertMatches(GoldenCase golden, String name, float[] got) {
        float[] want = golden.f32(name);
        assertFalse(want.length != got.length, name + ": " + got.length + " values, expected " + want.length);
        double scale = 1, worst = 0;
        for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs((double) got[i] - want[i]);
            worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err);
        }
        assertTrue(worst <= 1e-5 * scale, golden.name() + " " + name + ": max error " + worst + " > " + 1e-5 * scale);
    }
}
