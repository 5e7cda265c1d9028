package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.ModelInput;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Keras case, loaded from its {@code .keras} and its legacy {@code .h5} file, on the vector
 * and on the scalar kernels, predicts what Keras predicted ({@link KerasCases#assertMatches}); a
 * case with lengths also predicts, row by row, what Keras predicts on each sequence cut to its
 * length. A model with several inputs takes them by name ({@link Session#predict(Map, Map)}),
 * each sequence input cut by its own lengths.
 */
class KerasCasesTest {

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String name : KerasCases.names()) {
            for (String format : List.of(".keras", ".h5")) {
                out.add(Arguments.of(name, format, "vector"));
                out.add(Arguments.of(name, format, "scalar"));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}{1} {2}")
    @MethodSource("cases")
    void predictsWhatKerasPredicts(String name, String format, String kernelName) throws IOException {
        Kernels kernels = kernelName.equals("scalar") ? KernelProvider.scalar() : KernelProvider.kernels();
        try (Arena arena = Arena.ofConfined();
                SequenceModel model = SequenceModel.load(KerasCases.file(name, format), kernels)) {
            Map<String, Tensor> inputs = KerasCases.inputs(name, model, arena);
            Map<String, int[]> lengths = KerasCases.lengths(name, model, arena);
            Tensor expected = KerasCases.npy(name, ".expected.npy", arena);
            Tensor keep = KerasCases.npy(name, ".keep.npy", arena);
            Tensor first = inputs.values().iterator().next();
            int batch = (int) first.dim(0), maxSeq = 1;
            for (Tensor t : inputs.values()) {
                for (int d = 1; d < t.rank(); d++) {
                    maxSeq = Math.max(maxSeq, (int) t.dim(d));
                }
            }
            assertEquals(expected.rank() == 3, model.perStep(), "per-step output");
            assertEquals(expected.dim(-1), model.outputSize());
            String what = name + format + " " + kernelName;
            try (Session session = model.newSession(batch, maxSeq)) {
                Tensor y = model.inputs().size() == 1 ? session.predict(first, null) : session.predict(inputs, null);
                assertEquals(Arrays.toString(expected.shape()), Arrays.toString(y.shape()));
                KerasCases.assertMatches(what, expected.toFloatArray(), y.toFloatArray(),
                        keep == null ? null : keep.toBooleanArray(), (int) expected.dim(-1));
                if (lengths.isEmpty()) {
                    return;
                }
                Tensor cut = KerasCases.npy(name, ".cut.npy", arena);
                boolean[] keepCut = null;
                if (cut.rank() == 3) {
                    // a per-step output keeps the steps of the first input that has lengths, where
                    // the output's mask keeps them
                    int[] lens = lengths.values().iterator().next();
                    boolean[] kept = keep == null ? null : keep.toBooleanArray();
                    int steps = (int) cut.dim(1);
                    keepCut = new boolean[batch * steps];
                    for (int b = 0; b < batch; b++) {
                        for (int t = 0; t < lens[b]; t++) {
                            keepCut[b * steps + t] = kept == null || kept[b * steps + t];
                        }
                    }
                }
                Tensor z = model.inputs().size() == 1
                        ? session.predict(first, lengths.values().iterator().next())
                        : session.predict(inputs, lengths);
                KerasCases.assertMatches(what + " cut to lengths", cut.toFloatArray(), z.toFloatArray(), keepCut,
                        (int) cut.dim(-1));
            }
        }
    }

    /** The cases with several inputs are there, and each lists its inputs as Keras named them. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("severalInputs")
    void listsTheInputsOfAModelWithSeveral(String name, String inputs) throws IOException {
        try (SequenceModel model = SequenceModel.load(KerasCases.file(name, ".keras"))) {
            List<String> lines = new ArrayList<>();
            for (ModelInput in : model.inputs()) {
                lines.add(in.toString());
            }
            assertEquals(inputs, String.join("; ", lines));
        }
    }

    static List<Arguments> severalInputs() {
        return List.of(
                Arguments.of("multi_head_attention_mask", "x: float32 (batch, steps, 6); mask: attention mask, bool"
                        + " (batch, steps of x, steps of x), true = attend"),
                Arguments.of("multi_head_cross_inputs", "query: float32 (batch, steps, 4); memory: float32 (batch,"
                        + " steps, 6); cross_mask: attention mask, bool (batch, steps of query, steps of memory), true"
                        + " = attend"),
                Arguments.of("tokens_and_features", "ids: token ids, int32 or int64 (batch, steps); features: float32"
                        + " (batch, steps of ids, 3)"));
    }

}
