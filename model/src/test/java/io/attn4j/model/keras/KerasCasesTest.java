package io.attn4j.model.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Keras case, loaded from its {@code .keras} and its legacy {@code .h5} file, on the vector
 * and on the scalar kernels, predicts what Keras predicted ({@link KerasCases#assertMatches}); a
 * case with lengths also predicts, row by row, what Keras predicts on each sequence cut to its
 * length.
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
            Tensor x = KerasCases.npy(name, ".x.npy", arena);
            Tensor expected = KerasCases.npy(name, ".expected.npy", arena);
            Tensor keep = KerasCases.npy(name, ".keep.npy", arena);
            int batch = (int) x.dim(0), steps = (int) x.dim(1);
            assertEquals(expected.rank() == 3, model.perStep(), "per-step output");
            assertEquals(expected.dim(-1), model.outputSize());
            try (Session session = model.newSession(batch, steps)) {
                Tensor y = session.predict(x, null);
                assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(y.shape()));
                KerasCases.assertMatches(name + format + " " + kernelName, expected.toFloatArray(), y.toFloatArray(),
                        keep == null ? null : keep.toBooleanArray(), (int) expected.dim(-1));
                Tensor lengths = KerasCases.npy(name, ".lengths.npy", arena);
                if (lengths != null) {
                    int[] lens = lengths.toIntArray();
                    Tensor cut = KerasCases.npy(name, ".cut.npy", arena);
                    boolean[] keepCut = null;
                    if (cut.rank() == 3) {
                        keepCut = new boolean[batch * steps];
                        for (int b = 0; b < batch; b++) {
                            for (int t = 0; t < lens[b]; t++) {
                                keepCut[b * steps + t] = true;
                            }
                        }
                    }
                    Tensor z = session.predict(x, lens);
                    KerasCases.assertMatches(name + format + " " + kernelName + " cut to lengths", cut.toFloatArray(),
                            z.toFloatArray(), keepCut, (int) cut.dim(-1));
                }
            }
        }
    }
}
