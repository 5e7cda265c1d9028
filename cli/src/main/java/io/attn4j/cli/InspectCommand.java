package io.attn4j.cli;

import io.attn4j.engine.io.SafeTensorsFile;
import io.attn4j.engine.io.TensorInfo;
import io.attn4j.model.ModelConfig;
import io.attn4j.model.SequenceModel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code attn4j inspect FILE}: what a safetensors file holds (every tensor's name, dtype, shape and
 * bytes; the metadata) and the model its attn4j config describes, if it has one, reading the
 * header and the config only; or, for a Keras {@code .keras}/{@code .h5} file, the model's layer
 * graph: each layer's class, options, inputs, output shape, weights, what happens to the Keras mask
 * there and what attn4j runs (the model is loaded to say so).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
        "List a safetensors file's tensors and metadata, and the model its config describes;",
        "or a Keras .keras/.h5 model's layers: options, shapes, weights, masks, and what attn4j runs."})
final class InspectCommand implements Callable<Integer> {
    /** Metadata values longer than this are cut in the listing (the config is shown parsed). */
    private static final int VALUE_WIDTH = 100;

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "A .safetensors file, or a Keras .keras or .h5 model.")
    private Path file;

    @Option(names = "--verbose", description = "Print the stack trace when something fails.")
    private boolean verbose;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (SequenceModel.isKerasFile(file)) {
            try (SequenceModel m = SequenceModel.load(file)) {
                out.println(file + ": " + Files.size(file) + " bytes, a Keras model");
                out.println(m.describe());
                out.println("input:  " + (m.takesTokens()
                        ? "token ids (batch, steps), int32 or int64"
                        : "(batch, steps, " + m.inputSize() + ") float32")
                        + (m.fixedSteps() > 0 ? ", exactly " + m.fixedSteps() + " steps" : ""));
                out.println("output: " + (m.perStep() ? "(batch, steps, " : "(batch, ") + m.outputSize() + ")");
                out.println();
                out.print(m.layerTable());
            }
            out.flush();
            return 0;
        }
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            out.println(file + ": " + Files.size(file) + " bytes, " + st.names().size() + " tensors");
            out.println();
            TextTable tensors = new TextTable(false, false, false, true);
            tensors.row("tensor", "dtype", "shape", "bytes");
            long total = 0;
            for (String name : st.names()) {
                TensorInfo info = st.info(name);
                tensors.row(name, info.dtype().name(), shape(info.shape()), Long.toString(info.byteSize()));
                total += info.byteSize();
            }
            tensors.row("total", "", "", Long.toString(total));
            tensors.print(out, "  ");

            Map<String, String> metadata = st.metadata();
            out.println();
            if (metadata.isEmpty()) {
                out.println("Metadata: none");
            } else {
                out.println("Metadata:");
                TextTable meta = new TextTable(false, false);
                metadata.forEach((k, v) -> meta.row(k, oneLine(v)));
                meta.print(out, "  ");
            }
            out.println();
            out.println(model(st));
        }
        out.flush();
        return 0;
    }

    /** The model the file's config describes, or why there is none. */
    private static String model(SafeTensorsFile st) {
        try {
            return ModelConfig.locate(st)
                    .map(c -> "Model (config from " + c.source() + "):\n  "
                            + c.config().describe(name -> shapeOf(st, name)))
                    .orElse("Model: none (no \"" + ModelConfig.METADATA_KEY
                            + "\" metadata and no config.json beside the file)");
        } catch (IllegalArgumentException | java.io.IOException e) {
            return "Model: the config is not valid: " + CliErrors.message(e);
        }
    }

    /** The shape of a tensor in the file, or null, which describe() shows as "?". */
    private static long[] shapeOf(SafeTensorsFile st, String name) {
        return st.contains(name) ? st.info(name).shape() : null;
    }

    static String shape(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString)
                .collect(Collectors.joining(", ", "(", shape.length == 1 ? ",)" : ")"));
    }

    private static String oneLine(String value) {
        String flat = value.replaceAll("\\s+", " ");
        return flat.length() <= VALUE_WIDTH ? flat : flat.substring(0, VALUE_WIDTH - 3) + "...";
    }
}
